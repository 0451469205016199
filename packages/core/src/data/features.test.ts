import { describe, expect, it } from 'vitest';
import { type PrdError } from '../errors.js';
import { testDomain } from '../test-support/plugins.js';
import { requiredColumns, resolveFeatures } from './features.js';

const domain = { domain: testDomain };

const heights = [5, 10, 20];
const profileColumns = (name: string) => heights.map((h) => `${name}_${h.toFixed(1)}`);
const columns = [
  'time', 'realization', 'latitude', 'longitude', 'air_pressure_at_sea_level',
  ...profileColumns('air_pressure'), ...profileColumns('air_temperature'), ...profileColumns('relative_humidity'),
  ...['0.0', '0.25', '2.5', '7.0', '10.0'].map((k) => `radar_fraction_in_band_instant_${k}`),
  ...['0.0', '0.25', '2.5', '7.0', '10.0'].map((k) => `mogrepsg_fraction_in_band_instant_${k}`),
  'total_precip_rate',
];

describe('resolveFeatures', () => {
  it('resolves profile variables by exact name, heights ascending, in recipe order', () => {
    const f = resolveFeatures({ profile: ['relative_humidity', 'air_pressure'], singleLevel: ['air_pressure_at_sea_level'], target: { bands: 'standard-5' } }, [...columns].reverse(), domain);
    expect(f.heights).toEqual([5, 10, 20]);
    expect(f.profile.map((p) => p.name)).toEqual(['relative_humidity', 'air_pressure']);
    // "air_pressure" does not swallow "air_pressure_at_sea_level" (the seed's prefix-matching quirk).
    expect(f.profile[1].columns).toEqual(['air_pressure_5.0', 'air_pressure_10.0', 'air_pressure_20.0']);
    expect(f.targetColumns[0]).toBe('radar_fraction_in_band_instant_0.0');
    expect(f.baseline).toEqual({ kind: 'columns', columns: ['0.0', '0.25', '2.5', '7.0', '10.0'].map((k) => `mogrepsg_fraction_in_band_instant_${k}`) });
    expect(requiredColumns(f)).toContain('air_pressure_at_sea_level');
  });

  it('matches band columns numerically, so legacy 2-decimal keys resolve', () => {
    const legacy = columns.map((c) => c.replace('radar_fraction_in_band_instant_0.0', 'radar_fraction_in_band_instant_0.00'));
    const f = resolveFeatures({ profile: ['air_temperature'], target: { bands: 'standard-5' } }, legacy, domain);
    expect(f.targetSources[0]).toEqual(['radar_fraction_in_band_instant_0.00']);
  });

  it('derives the baseline from an ensemble rate when asked', () => {
    const f = resolveFeatures({ profile: ['air_temperature'], target: { bands: 'standard-5' }, baseline: { ensembleRate: 'total_precip_rate' } }, columns, domain);
    expect(f.baseline).toMatchObject({ kind: 'ensemble-rate', rateColumn: 'total_precip_rate' });
  });

  it('reports every unknown name with the closest existing one', () => {
    try {
      resolveFeatures({ profile: ['relative_humidty'], singleLevel: ['air_pressure_at_sealevel'], target: { column: 'radar_mean_rain' } }, columns, domain);
      expect.unreachable();
    } catch (error) {
      const issues = (error as PrdError).issues;
      expect(issues.map((i) => [i.pointer, i.suggestion])).toEqual([
        ['/data/features/profile/0', 'relative_humidity'],
        ['/data/features/singleLevel/0', 'air_pressure_at_sea_level'],
        ['/data/features/target/column', undefined],
      ]);
    }
  });
});
