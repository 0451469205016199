import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import { graticuleLayer, tickLabelLayers } from './graticule.js';
import type { ColourScale } from './scales.js';

/** Longitude / latitude box, degrees: [west, south, east, north]. */
export type BBox = [number, number, number, number];

/** A regular lat/lon grid as the data shows it: cell sizes and the box its cells cover. */
export interface Grid {
  dlat: number;
  dlon: number;
  bbox: BBox;
}

/** One grid-cell value for a map panel. */
export interface CellValue {
  latitude: number;
  longitude: number;
  value: number | null;
}

function step(values: number[], fallback: number): number {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  let best = Infinity;
  for (let i = 1; i < sorted.length; i++) best = Math.min(best, sorted[i] - sorted[i - 1]);
  return Number.isFinite(best) && best > 1e-9 ? best : fallback;
}

/** Infer the cell size and covered box from cell centres (the seed's MOGREPS-G grid is 0.1875 x 0.28125 degrees). */
export function gridOf(latitudes: number[], longitudes: number[]): Grid {
  const dlat = step(latitudes, 0.1875);
  const dlon = step(longitudes, 0.28125);
  const south = Math.min(...latitudes) - dlat / 2;
  const north = Math.max(...latitudes) + dlat / 2;
  const west = Math.min(...longitudes) - dlon / 2;
  const east = Math.max(...longitudes) + dlon / 2;
  return { dlat, dlon, bbox: [west, south, east, north] };
}

const mercatorY = (lat: number): number => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));

/** A Mercator projection that fills a panel of the given height with the box (Vega-Lite projection properties). */
export function mercatorPanel(bbox: BBox, height: number): { width: number; height: number; projection: Record<string, unknown> } {
  const [west, south, east, north] = bbox;
  const dx = ((east - west) * Math.PI) / 180;
  const dy = mercatorY(north) - mercatorY(south);
  const scale = height / dy;
  const width = Math.max(60, Math.round(dx * scale));
  const centreLat = (360 / Math.PI) * Math.atan(Math.exp((mercatorY(south) + mercatorY(north)) / 2)) - 90;
  return {
    width,
    height,
    projection: { type: 'mercator', scale, center: [(west + east) / 2, centreLat], translate: [width / 2, height / 2], clipExtent: [[0, 0], [width, height]] },
  };
}

let land: Array<Position[][]> | undefined;

/** Natural Earth 1:50m land polygons (world-atlas), loaded once. */
function landPolygons(): Array<Position[][]> {
  if (!land) {
    const require = createRequire(import.meta.url);
    const topology = JSON.parse(readFileSync(require.resolve('world-atlas/land-50m.json'), 'utf8')) as Topology;
    const collection = feature(topology, topology.objects.land) as unknown as { features: Array<Feature<Polygon | MultiPolygon>> };
    land = collection.features.flatMap((f) => (f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : [f.geometry.coordinates]));
  }
  return land;
}

/** Sutherland-Hodgman: the part of a closed ring inside a lon/lat box (edges along the box stay outside the panel). */
export function clipRing(ring: Position[], box: BBox): Position[] {
  const [west, south, east, north] = box;
  const edges: Array<[(p: Position) => boolean, (a: Position, b: Position) => Position]> = [
    [(p) => p[0] >= west, (a, b) => [west, a[1] + ((b[1] - a[1]) * (west - a[0])) / (b[0] - a[0])]],
    [(p) => p[0] <= east, (a, b) => [east, a[1] + ((b[1] - a[1]) * (east - a[0])) / (b[0] - a[0])]],
    [(p) => p[1] >= south, (a, b) => [a[0] + ((b[0] - a[0]) * (south - a[1])) / (b[1] - a[1]), south]],
    [(p) => p[1] <= north, (a, b) => [a[0] + ((b[0] - a[0]) * (north - a[1])) / (b[1] - a[1]), north]],
  ];
  let points = ring;
  for (const [inside, cross] of edges) {
    if (points.length === 0) break;
    const out: Position[] = [];
    for (let i = 0; i < points.length; i++) {
      const current = points[i];
      const previous = points[(i + points.length - 1) % points.length];
      if (inside(current)) {
        if (!inside(previous)) out.push(cross(previous, current));
        out.push(current);
      } else if (inside(previous)) {
        out.push(cross(previous, current));
      }
    }
    points = out;
  }
  return points.length >= 3 ? [...points, points[0]] : [];
}

/**
 * Coastlines of a box plus a margin, as one GeoJSON feature: land polygons clipped to the margin box first, so a
 * map of the UK does not project all of Eurasia's coast for every panel (the projection's clip extent then trims
 * them to the panel).
 */
export function coastlines(bbox: BBox, margin = 1): Feature<MultiPolygon> {
  const [west, south, east, north] = bbox;
  const box: BBox = [west - margin, south - margin, east + margin, north + margin];
  const near = landPolygons()
    .map((polygon) => polygon.map((ring) => clipRing(ring, box)).filter((ring) => ring.length > 0))
    .filter((polygon) => polygon.length > 0 && polygon[0].length > 0);
  return { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: near } };
}

/** Options of one map panel. */
export interface PanelOptions {
  title: string;
  grid: Grid;
  height: number;
  values: CellValue[];
  /** Colour scale, chosen from the data (scales.ts), and the legend's title. */
  colour: ColourScale;
  /** Hide the legend (for postage stamps that share one). */
  legend?: boolean;
  /** Label the graticule in degrees at the panel's edges; default true (postage stamps leave it to the lines). */
  ticks?: boolean;
  /**
   * Draw cells whose value is null in grey, with this legend label (e.g. a score that is 0/0 there), and say in the
   * legend that white is a cell with no data. Without it, null cells are left out (white).
   */
  undefinedLabel?: string;
}

/** Fill of cells whose score is undefined, and of cells with no data (the background). */
export const UNDEFINED_FILL = '#bdbdbd';
export const NO_DATA_FILL = '#ffffff';

/** A layer of grey cells where the value is undefined, with a legend that names grey and white. */
function undefinedLayer(cells: Array<Record<string, unknown>>, label: string, legend: boolean): Record<string, unknown> {
  return {
    data: { values: cells },
    mark: { type: 'rect' },
    encoding: {
      longitude: { field: 'lon0', type: 'quantitative' },
      latitude: { field: 'lat0', type: 'quantitative' },
      longitude2: { field: 'lon1' },
      latitude2: { field: 'lat1' },
      fill: {
        datum: label,
        type: 'nominal',
        scale: { domain: [label, 'no data'], range: [UNDEFINED_FILL, NO_DATA_FILL] },
        title: null,
        legend: legend ? { orient: 'bottom', direction: 'vertical', symbolType: 'square', symbolStrokeColor: '#888', symbolStrokeWidth: 0.5, labelLimit: 260 } : null,
      },
    },
  };
}

/** A map panel: one coloured rectangle per grid cell and the coastline, on a Mercator projection. */
export function mapPanel(options: PanelOptions): Record<string, unknown> {
  const { grid } = options;
  const { width, height, projection } = mercatorPanel(grid.bbox, options.height);
  // Cells overlap their neighbours by 2% so anti-aliasing leaves no hairline seams between them.
  const [hlat, hlon] = [grid.dlat * 0.52, grid.dlon * 0.52];
  const box = (v: CellValue) => ({ lat0: v.latitude - hlat, lat1: v.latitude + hlat, lon0: v.longitude - hlon, lon1: v.longitude + hlon, latitude: v.latitude, longitude: v.longitude, value: v.value });
  const defined = (v: CellValue) => v.value !== null && Number.isFinite(v.value);
  const cells = options.values.filter(defined).map(box);
  const undefinedCells = options.undefinedLabel === undefined ? [] : [undefinedLayer(options.values.filter((v) => !defined(v)).map(box), options.undefinedLabel, options.legend !== false)];
  const legend = options.legend === false ? null : { type: 'gradient', orient: 'right', gradientLength: Math.min(160, height - 20), ...rangeLabels(options.colour.domain, cells.map((c) => c.value!)) };
  return {
    width,
    height,
    title: { text: options.title.split('\n'), fontSize: 11 },
    projection,
    layer: [
      {
        data: { values: cells },
        mark: { type: 'rect' },
        encoding: {
          longitude: { field: 'lon0', type: 'quantitative' },
          latitude: { field: 'lat0', type: 'quantitative' },
          longitude2: { field: 'lon1' },
          latitude2: { field: 'lat1' },
          color: { field: 'value', type: 'quantitative', scale: options.colour.scale, title: options.colour.title, legend },
        },
      },
      ...undefinedCells,
      graticuleLayer(grid.bbox),
      { data: { values: [coastlines(grid.bbox)] }, mark: { type: 'geoshape', filled: false, stroke: '#1a1a1a', strokeWidth: 0.7 } },
      ...(options.ticks === false ? [] : tickLabelLayers(grid.bbox)),
    ],
  };
}

/**
 * The colour bar's labels: both ends of the range and its middle, written out (Vega would round 0.025 to 0.03), with
 * `≥` / `≤` on an end that cells lie beyond (they are drawn in the end's colour).
 */
function rangeLabels([low, high]: [number, number], values: number[]): Record<string, unknown> {
  const middle = Number(((low + high) / 2).toPrecision(12));
  const text = (v: number, beyond: boolean, sign: string) => `'${beyond ? `${sign} ` : ''}${String(v).replace('-', '\u2212')}'`;
  const [above, below] = [values.some((v) => v > high), values.some((v) => v < low)];
  return { values: [low, middle, high], labelExpr: `datum.value >= ${high} ? ${text(high, above, '≥')} : datum.value <= ${low} ? ${text(low, below, '≤')} : ${text(middle, false, '')}` };
}
