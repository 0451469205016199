import { type DataEngine, type FeatureSpec, type Relation } from '@prd/core';
import { tableContext, withEngine } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import plugins, { resample } from './index.js';

const keys = ['0.0', '0.25', '2.5', '7.0', '10.0'];
const spec: FeatureSpec = { profile: ['relative_humidity'], target: { bands: 'standard-5' } };

/** 24 training rows: 12 with band 0.0 dominant (one a tie with 0.25), 7 with 0.25, 5 with 2.5, none above. */
function training(): Relation {
  const rows: string[] = [];
  const add = (fractions: number[]) => rows.push(`(${rows.length}, TIMESTAMP '2020-01-01', 50.0, 1.0, 0, ${rows.length / 100}, ${fractions.join(', ')})`);
  for (let i = 0; i < 11; i++) add([0.9, 0.1, 0, 0, 0]);
  add([0.4, 0.4, 0.2, 0, 0]);
  for (let i = 0; i < 7; i++) add([0.2, 0.7, 0.1, 0, 0]);
  for (let i = 0; i < 5; i++) add([0.1, 0.3, 0.5, 0.1, 0]);
  return { sql: `SELECT * FROM (VALUES ${rows.join(', ')}) v(__row, time, latitude, longitude, realization, "relative_humidity_5.0", ${keys.map((k) => `"radar_fraction_in_band_instant_${k}"`).join(', ')})` };
}

/** Output rows as [class, original row] pairs, in output order. */
async function drawn(engine: DataEngine, relation: Relation): Promise<Array<[number, number]>> {
  const rows = await engine.rows<{ c: number; id: number; r: bigint }>(
    `SELECT list_position([${keys.map((k) => `"radar_fraction_in_band_instant_${k}"`).join(', ')}], list_max([${keys.map((k) => `"radar_fraction_in_band_instant_${k}"`).join(', ')}])) - 1 AS c, round("relative_humidity_5.0" * 100)::INT AS id, __row AS r FROM (${relation.sql}) ORDER BY __row`,
  );
  rows.forEach((row, i) => expect(Number(row.r)).toBe(i));
  return rows.map((r) => [r.c, r.id]);
}

const classOf = (id: number) => (id < 12 ? 0 : id < 19 ? 1 : 2);

describe('resample rebalancer', () => {
  it('is a rebalancer', () => {
    expect(plugins.filter((p) => p.kind === 'rebalancer').map((p) => p.name)).toEqual(['resample']);
  });

  it("draws every non-empty class to N // (bands + 1) rows with replacement, in class blocks (the seed's algorithm)", async () => {
    await withEngine(async (engine) => {
      const input = training();
      const ctx = await tableContext(engine, input.sql, spec);
      const out = await drawn(engine, await resample({ strategy: 'equal', classSize: 'seed' }, 42, input, ctx));
      // N = 24, 5 bands: 24 // 6 = 4 rows for each of the 3 non-empty classes; the empty 7.0 and 10.0 get none.
      expect(out.map(([c]) => c)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
      // Each draw comes from its class; the 0.0/0.25 tie (row 11) belongs to the first band, as idxmax does.
      for (const [c, id] of out) expect(classOf(id)).toBe(c);
      // The seed's run: N = 734,713 training rows gave 122,452 per class.
      expect(Math.floor(734_713 / 6)).toBe(122_452);
    });
  });

  it('is reproducible for a seed and changes with it', async () => {
    await withEngine(async (engine) => {
      const input = training();
      const ctx = await tableContext(engine, input.sql, spec);
      const options = { strategy: 'equal', classSize: 10 } as const;
      const a = await drawn(engine, await resample(options, 1, input, ctx));
      expect(await drawn(engine, await resample(options, 1, input, ctx))).toEqual(a);
      expect(await drawn(engine, await resample(options, 2, input, ctx))).not.toEqual(a);
      // With 10 draws from 5 rows, some row is drawn twice: replacement.
      const class2 = a.filter(([c]) => c === 2).map(([, id]) => id);
      expect(new Set(class2).size).toBeLessThan(class2.length);
    });
  });

  it('under-samples only the classes above the size, without replacement', async () => {
    await withEngine(async (engine) => {
      const input = training();
      const ctx = await tableContext(engine, input.sql, spec);
      const out = await drawn(engine, await resample({ strategy: 'under', classSize: 6 }, 3, input, ctx));
      const per = [0, 1, 2].map((c) => out.filter(([k]) => k === c).map(([, id]) => id));
      expect(per.map((ids) => ids.length)).toEqual([6, 6, 5]);
      for (const ids of per) expect(new Set(ids).size).toBe(ids.length);
      expect(per[2].sort((x, y) => x - y)).toEqual([19, 20, 21, 22, 23]);
    });
  });

  it('over-samples only the classes below the size, keeping every original row', async () => {
    await withEngine(async (engine) => {
      const input = training();
      const ctx = await tableContext(engine, input.sql, spec);
      const out = await drawn(engine, await resample({ strategy: 'over', classSize: 6 }, 3, input, ctx));
      const per = [0, 1, 2].map((c) => out.filter(([k]) => k === c).map(([, id]) => id));
      expect(per.map((ids) => ids.length)).toEqual([12, 7, 6]);
      expect(new Set(per[0]).size).toBe(12);
      expect(new Set(per[2]).size).toBe(5);
    });
  });

  it('refuses a regression target', async () => {
    await withEngine(async (engine) => {
      const input = training();
      const ctx = await tableContext(engine, input.sql, { profile: ['relative_humidity'], target: { column: 'radar_fraction_in_band_instant_0.0' } });
      await expect(resample({ strategy: 'equal', classSize: 'seed' }, 1, input, ctx)).rejects.toThrow(/regression target/);
    });
  });
});
