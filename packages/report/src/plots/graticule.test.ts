import { describe, expect, it } from 'vitest';
import { degreeLabel, degreeTicks } from './graticule.js';
import { gridOf, mapPanel } from './geo.js';
import { sequentialScale } from './scales.js';

describe('map ticks and graticule', () => {
  it('chooses round degrees from the extent: at most five, as fine as that allows', () => {
    // The British Isles, as the MOGREPS-G cells cover them.
    expect(degreeTicks(-11, 3)).toEqual([-10, -5, 0]);
    expect(degreeTicks(49, 61)).toEqual([50, 55, 60]);
    // A storm's few hundred kilometres.
    expect(degreeTicks(-4.3, -1.1)).toEqual([-4, -3, -2]);
    // A county.
    expect(degreeTicks(50.6, 51.7)).toEqual([51, 51.5]);
    expect(degreeTicks(-0.93, -0.08)).toEqual([-0.8, -0.6, -0.4, -0.2]);
    // The whole globe.
    expect(degreeTicks(-180, 180)).toEqual([-180, -90, 0, 90, 180]);
  });

  it('labels degrees with their hemisphere', () => {
    expect([degreeLabel(50, 'latitude'), degreeLabel(-33.5, 'latitude'), degreeLabel(-2.5, 'longitude'), degreeLabel(1, 'longitude'), degreeLabel(0, 'longitude')]).toEqual(['50°N', '33.5°S', '2.5°W', '1°E', '0°']);
  });

  it('a map panel draws the graticule lines and labels its edges in degrees', () => {
    const cells = [50, 51, 52].flatMap((latitude) => [-3, -2, -1].map((longitude) => ({ latitude, longitude, value: 0.5 })));
    const grid = gridOf(cells.map((c) => c.latitude), cells.map((c) => c.longitude));
    const panel = mapPanel({ title: 'test', grid, height: 200, values: cells, colour: sequentialScale([0.5], 'fraction') }) as { layer: Array<{ data: { values: Array<Record<string, unknown>> }; mark: { type: string; strokeDash?: number[] } }> };
    const labels = panel.layer.filter((l) => l.mark.type === 'text').flatMap((l) => l.data.values.map((v) => v.label));
    expect(labels).toEqual(['3°W', '2°W', '1°W', '50°N', '51°N', '52°N']);
    const graticule = panel.layer.find((l) => l.mark.strokeDash);
    expect((graticule!.data.values[0] as { geometry: { coordinates: unknown[] } }).geometry.coordinates).toHaveLength(6);
  });
});
