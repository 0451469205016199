import { describe, expect, it } from 'vitest';
import { resolveFeatures } from './features.js';

const COLUMNS = ['time', 'realization', 'latitude', 'longitude', 'air_temperature_5.0', 'air_temperature_10.0', 'radar_mean_rain_instant'];

describe('a binary target (seed §5.5)', () => {
  it('is a third task: one 0/1 column, no NWP baseline', () => {
    const features = resolveFeatures({ profile: ['air_temperature'], target: { column: 'raining', binary: true } }, [...COLUMNS, 'raining']);
    expect(features).toMatchObject({ task: 'binary', targetColumns: ['raining'], bands: [], baseline: { kind: 'none' } });
  });

  it('may be missing before the transforms that make it, and not after', () => {
    const spec = { profile: ['air_temperature'], target: { column: 'raining', binary: true } };
    expect(resolveFeatures(spec, COLUMNS, { binaryTargetMayBeMissing: true }).task).toBe('binary');
    expect(() => resolveFeatures(spec, COLUMNS)).toThrow(/the data does not have the columns/);
    // A regression target must exist from the start.
    expect(() => resolveFeatures({ ...spec, target: { column: 'raining' } }, COLUMNS, { binaryTargetMayBeMissing: true })).toThrow();
  });
});
