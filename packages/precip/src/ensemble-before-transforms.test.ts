import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataEngine, loadData, RunEvents, transformData, type Relation, type StepEnv } from '@prd/core';
import { precipDomain } from './domain.js';

// D1 (issue 15): the seed counted NWP band probabilities over the whole ensemble in its data prep (§2.4, §3.4),
// before the pipeline's dropna(). A member dropped for a missing input must still count.

// One (time, cell), four members. Member 2 has no temperature, so dropping rows with a missing value removes it;
// its rate (5 mm/h, band 4-10) must still be counted. Hand count over all four members, bands [lo, hi):
//   rates 0, 0.2, 5, 12  ->  0-0.01: 1/4, 0.01-0.5: 1/4, 0.5-4: 0, 4-10: 1/4, 10-220: 1/4
const ROWS = [
  [0, 0.0, 280, 0.9],
  [1, 0.2, 281, 0.1],
  [2, 5.0, 'NULL', 0.0],
  [3, 12.0, 283, 0.0],
];
const HAND_COUNT = { '0.0': 0.25, '0.25': 0.25, '2.5': 0, '7.0': 0.25, '10.0': 0.25 };

function sourceSql(): string {
  const values = ROWS.map(([m, rate, t, f0]) => `('2020-02-15 00:00:00', 50.0, -1.0, ${m}, ${rate}, ${t}, ${t}, ${f0}, ${1 - Number(f0)}, 0.0, 0.0, 0.0)`);
  const bands = ['0.0', '0.25', '2.5', '7.0', '10.0'].map((k) => `"radar_fraction_in_band_instant_${k}"`).join(', ');
  const columns = ['time', 'latitude', 'longitude', 'realization', 'rainfall_rate', 'air_temperature_5.0', 'air_temperature_10.0', bands].join(', ');
  return `SELECT * FROM (VALUES ${values.join(', ')}) AS t(${columns.replace(/air_temperature_\d+\.0/g, (c) => `"${c}"`)})`;
}

describe('NWP band probabilities from ensemble rates (D1)', () => {
  let engine: DataEngine;
  beforeAll(async () => {
    engine = await DataEngine.open();
  });
  afterAll(() => engine.close());

  it('counts every member of the ensemble, also those a transform drops afterwards', async () => {
    const dropMissingTemperature = { apply: (input: Relation): Relation => ({ sql: `SELECT * FROM (${input.sql}) WHERE "air_temperature_5.0" IS NOT NULL` }) };
    // The engine's load and transform steps with this domain: core passes the data as read, the domain counts there.
    const env = {
      spec: {
        profile: ['air_temperature'],
        target: { bands: 'standard-5' },
        baseline: { ensembleRate: 'rainfall_rate' },
      },
      pluginContext: { seed: 1, baseDir: '.', pointer: '', events: new RunEvents(), tempDir: '.' },
      engine,
      instances: {
        source: { slot: '/data/source', instance: { open: async () => ({ relation: { sql: sourceSql() }, fingerprint: 'f', description: 'four members' }) } },
        transforms: [{ slot: '/data/transforms/0', instance: dropMissingTemperature }],
        domain: { slot: '/data/domain', instance: precipDomain },
      },
    } as unknown as StepEnv;

    const prepared = await transformData(env, await loadData(env));
    const rows = await engine.rows<Record<string, number>>(`SELECT * FROM (${prepared.sql}) ORDER BY realization`);
    expect(rows.map((r) => Number(r.realization))).toEqual([0, 1, 3]);
    for (const row of rows) {
      for (const [key, expected] of Object.entries(HAND_COUNT)) {
        expect(row[`mogrepsg_fraction_in_band_instant_${key}`], `band ${key}, member ${row.realization}`).toBeCloseTo(expected, 12);
      }
    }
  });
});
