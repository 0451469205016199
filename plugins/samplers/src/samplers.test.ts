import { type DataEngine, type FeatureSpec, type Relation } from '@prd/core';
import { syntheticSql } from '@prd/precip';
import { tableContext, withEngine } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import plugins, { randomSplit, roundHalfEven, timeSpaceSplit } from './index.js';

const spec: FeatureSpec = { profile: ['relative_humidity'], target: { bands: 'standard-5' } };

/** A tiny table: `cells` cells x `times` times x `members` members, member labels 17.. on odd times. */
function grid(cells: number, times: number, members: number, firstLabel = (t: number) => (t % 2 ? 17 : 0)): Relation {
  const rows: string[] = [];
  for (let t = 0; t < times; t++) {
    for (let c = 0; c < cells; c++) {
      for (let m = 0; m < members; m++) {
        rows.push(`(TIMESTAMP '2020-02-14 18:00:00' + INTERVAL ${6 * t} HOUR, ${49.40625 + 0.1875 * c}, ${-5.484375 + 0.28125 * (c % 3)}, ${firstLabel(t) + m}, ${0.5 + 0.01 * m}, 0.5, 0.5, 0, 0, 0, 0.1, 0.2)`);
      }
    }
  }
  return {
    sql: `SELECT * FROM (VALUES ${rows.join(', ')}) v(time, latitude, longitude, realization, "relative_humidity_5.0",
      "radar_fraction_in_band_instant_0.0", "radar_fraction_in_band_instant_0.25", "radar_fraction_in_band_instant_2.5",
      "radar_fraction_in_band_instant_7.0", "radar_fraction_in_band_instant_10.0", "relative_humidity_10.0", radar_mean_rain_instant)`,
  };
}

async function counts(engine: DataEngine, relation: Relation): Promise<Record<string, number>> {
  const rows = await engine.rows<{ split: string; n: bigint }>(`SELECT split, count(*) AS n FROM (${relation.sql}) GROUP BY split`);
  return Object.fromEntries(rows.map((r) => [r.split, Number(r.n)]));
}

async function labels(engine: DataEngine, relation: Relation): Promise<string[]> {
  const rows = await engine.rows<{ k: string; split: string }>(`SELECT concat_ws('|', time, latitude, longitude, realization) AS k, split FROM (${relation.sql}) ORDER BY k`);
  return rows.map((r) => `${r.k}=${r.split}`);
}

describe('samplers package', () => {
  it('exports the samplers', () => {
    expect(plugins.map((p) => `${p.kind}:${p.name}`)).toEqual(['sampler:random', 'sampler:time-space', 'sampler:by-time', 'sampler:by-event', 'rebalancer:resample']);
  });

  it('rounds counts half to even, like Python and numpy', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6, 7].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3, 7]);
  });
});

describe('random sampler', () => {
  it('takes exactly int(N x fraction) rows for test and validation (seed random_sample)', async () => {
    await withEngine(async (engine) => {
      const input = grid(7, 1, 1); // N = 7: int(7 x 0.5) = 3 test, int(7 x 0.3) = 2 validation
      const ctx = await tableContext(engine, input.sql, spec);
      const out = await randomSplit({ validation: 0.3, test: 0.5 }, 42, input, ctx);
      expect(await counts(engine, out)).toEqual({ test: 3, validation: 2, train: 2 });
    });
  });

  it('is reproducible for a seed, independent of row order, and changes with the seed', async () => {
    await withEngine(async (engine) => {
      const input = grid(20, 2, 5);
      const ctx = await tableContext(engine, input.sql, spec);
      const a = await labels(engine, await randomSplit({ validation: 0.2, test: 0.2 }, 1, input, ctx));
      const shuffled = { sql: `SELECT * FROM (${input.sql}) ORDER BY hash(realization * 7 + latitude) DESC` };
      expect(await labels(engine, await randomSplit({ validation: 0.2, test: 0.2 }, 1, shuffled, ctx))).toEqual(a);
      expect(await labels(engine, await randomSplit({ validation: 0.2, test: 0.2 }, 2, input, ctx))).not.toEqual(a);
      expect(await labels(engine, await randomSplit({ validation: 0.2, test: 0.2, seed: 1 }, 2, input, ctx))).toEqual(a);
      const n = await counts(engine, await randomSplit({ validation: 0.2, test: 0.2 }, 1, input, ctx));
      expect(n).toEqual({ test: 40, validation: 40, train: 120 });
    });
  });

  it('rejects fractions that leave nothing to train on', async () => {
    await withEngine(async (engine) => {
      const input = grid(3, 1, 1);
      const ctx = await tableContext(engine, input.sql, spec, { pointer: '/split' });
      await expect(randomSplit({ validation: 0.5, test: 0.5 }, 1, input, ctx)).rejects.toThrow(/\/split\/with|below 1/);
    });
  });
});

describe('time-space sampler', () => {
  it('keeps every member of a (time, latitude, longitude) key in one split, in one pass for three splits', async () => {
    await withEngine(async (engine) => {
      await engine.run(`CREATE TABLE synth AS ${syntheticSql({ seed: 3, events: 1, times: 4, cells: 50, members: 18 })}`);
      const relation = { sql: 'SELECT * FROM synth' };
      const ctx = await tableContext(engine, relation.sql, spec);
      const out = await timeSpaceSplit({ validation: 0.2, test: 0.2, keys: ['time', 'latitude', 'longitude'] }, 42, relation, ctx);
      const crossing = await engine.scalar(`SELECT count(*) FROM (SELECT count(DISTINCT split) AS s FROM (${out.sql}) GROUP BY time, latitude, longitude) WHERE s > 1`);
      expect(Number(crossing)).toBe(0);
      // 200 keys: round(200 x 0.2) = 40 keys of 18 members each in test and in validation.
      expect(await counts(engine, out)).toEqual({ test: 40 * 18, validation: 40 * 18, train: 120 * 18 });
    });
  });

  it('draws keys whatever their member labels (the seed only drew keys that have realization 0)', async () => {
    await withEngine(async (engine) => {
      // Every key is labelled 17..34, so the seed's sampler would put nothing in test.
      const input = grid(10, 2, 3, () => 17);
      const ctx = await tableContext(engine, input.sql, spec);
      const out = await timeSpaceSplit({ validation: 0.35, test: 0.25, keys: ['time', 'latitude', 'longitude'] }, 5, input, ctx);
      // 20 keys: round(20 x 0.25) = 5 test keys, round(20 x 0.35) = 7 validation keys, 3 members each.
      expect(await counts(engine, out)).toEqual({ test: 15, validation: 21, train: 24 });
    });
  });

  it('rounds key counts half to even as pandas sample(frac=) does', async () => {
    await withEngine(async (engine) => {
      const input = grid(10, 1, 2); // 10 keys: round(2.5) = 2 test, round(3.5) = 4 validation
      const ctx = await tableContext(engine, input.sql, spec);
      const out = await timeSpaceSplit({ validation: 0.35, test: 0.25, keys: ['time', 'latitude', 'longitude'] }, 9, input, ctx);
      expect(await counts(engine, out)).toEqual({ test: 4, validation: 8, train: 8 });
    });
  });

  it('names a key column that is not in the data', async () => {
    await withEngine(async (engine) => {
      const input = grid(2, 1, 1);
      const ctx = await tableContext(engine, input.sql, spec, { pointer: '/split' });
      await expect(timeSpaceSplit({ validation: 0.2, test: 0.2, keys: ['time', 'lat'] }, 1, input, ctx)).rejects.toThrow(/"lat" not in the data/);
    });
  });
});
