import type { BBox } from './geo.js';

/** Graticule intervals in degrees, from fine to coarse: round numbers a reader can count along an axis. */
const STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 45, 90];

/**
 * Round degrees between `low` and `high` for a map's ticks and graticule lines: the finest interval of STEPS that
 * gives at most `most` of them (a UK-sized box gets every 5 degrees, a county every half degree).
 */
export function degreeTicks(low: number, high: number, most = 5): number[] {
  const count = (step: number) => Math.floor(high / step + 1e-9) - Math.ceil(low / step - 1e-9) + 1;
  const step = STEPS.find((s) => count(s) <= most) ?? STEPS[STEPS.length - 1];
  const first = Math.ceil(low / step - 1e-9);
  return Array.from({ length: Math.max(0, count(step)) }, (_, i) => Number(((first + i) * step).toFixed(6)));
}

/** A latitude or longitude in degrees with its hemisphere: `50°N`, `2.5°W`, `0°`. */
export function degreeLabel(value: number, axis: 'latitude' | 'longitude'): string {
  const magnitude = `${Number(Math.abs(value).toFixed(4))}°`;
  if (value === 0) return magnitude;
  return `${magnitude}${axis === 'latitude' ? (value > 0 ? 'N' : 'S') : value > 0 ? 'E' : 'W'}`;
}

/** Points along a parallel, close enough that its great-circle segments draw as the parallel itself. */
function parallel(latitude: number, west: number, east: number): number[][] {
  const n = 48;
  return Array.from({ length: n + 1 }, (_, i) => [west + ((east - west) * i) / n, latitude]);
}

/** Light dashed lines of the graticule at the ticks' round degrees (the projection clips them to the panel). */
export function graticuleLayer(bbox: BBox): Record<string, unknown> {
  const [west, south, east, north] = bbox;
  const lines = [...degreeTicks(west, east).map((lon) => [[lon, south], [lon, north]]), ...degreeTicks(south, north).map((lat) => parallel(lat, west, east))];
  return {
    data: { values: [{ type: 'Feature', properties: {}, geometry: { type: 'MultiLineString', coordinates: lines } }] },
    mark: { type: 'geoshape', filled: false, stroke: '#555', strokeWidth: 0.5, strokeOpacity: 0.5, strokeDash: [3, 3] },
  };
}

/** Degree labels of the graticule: longitudes below the panel's bottom edge, latitudes left of its left edge. */
export function tickLabelLayers(bbox: BBox): Array<Record<string, unknown>> {
  const [west, south, east, north] = bbox;
  // Outside the panel, where the projection's clip would hide them: the marks are not clipped.
  const text = { type: 'text', fontSize: 9, fill: '#444', clip: false };
  const encoding = { longitude: { field: 'longitude', type: 'quantitative' }, latitude: { field: 'latitude', type: 'quantitative' }, text: { field: 'label' } };
  return [
    { data: { values: degreeTicks(west, east).map((longitude) => ({ longitude, latitude: south, label: degreeLabel(longitude, 'longitude') })) }, mark: { ...text, baseline: 'top', align: 'center', dy: 3 }, encoding },
    { data: { values: degreeTicks(south, north).map((latitude) => ({ longitude: west, latitude, label: degreeLabel(latitude, 'latitude') })) }, mark: { ...text, baseline: 'middle', align: 'right', dx: -3 }, encoding },
  ];
}
