import { ident, literal, type FeatureSpec, type Relation } from '@prd/core';
import { tableContext, withEngine } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import { dropMissing, exceedance, rangeFilter } from './index.js';

/** Column names that break hand-built SQL: quotes, a statement separator, a comment, a keyword. */
const HOSTILE = [`a"b`, `it's`, `x"); DROP TABLE t; --`, 'select', 'Infinity'];
const spec: FeatureSpec = { profile: ['relative_humidity'], target: { bands: 'standard-5' } };

/** The columns the feature spec needs, as constants beside the test's own. */
const FEATURE_COLUMNS = ['latitude', 'longitude', 'realization', 'relative_humidity_5.0', ...['0.0', '0.25', '2.5', '7.0', '10.0'].map((k) => `radar_fraction_in_band_instant_${k}`)];

function table(columns: string[], rows: Array<Array<number | null>>): Relation {
  const value = (v: number | null) => (v === null ? 'NULL' : `${literal(v)}::DOUBLE`);
  const features = FEATURE_COLUMNS.map((c) => `0.5::DOUBLE AS ${ident(c)}`).concat(`TIMESTAMP '2020-01-01' AS time`).join(', ');
  return { sql: `SELECT *, ${features} FROM (VALUES ${rows.map((r) => `(${r.map(value).join(', ')})`).join(', ')}) v(${columns.map(ident).join(', ')})` };
}

describe('transforms with hostile column names (issue 16)', () => {
  it('drop-missing and range treat every name as a column', async () => {
    await withEngine(async (engine) => {
      for (const name of HOSTILE) {
        const input = table(['id', name], [[0, 1], [1, null], [2, 100], [3, Number.NaN]]);
        const ctx = await tableContext(engine, input.sql, spec);
        const kept = async (r: Relation) => (await engine.rows<{ id: number }>(`SELECT id FROM (${r.sql}) ORDER BY id`)).map((x) => x.id);
        expect(await kept(dropMissing({ columns: [name] }, input, ctx))).toEqual([0, 2]);
        expect(await kept(rangeFilter({ column: name, below: 50 }, input, ctx))).toEqual([0]);
        expect(await kept(rangeFilter({ column: name, atLeast: 2, atMost: 1e300 }, input, ctx))).toEqual([2]);
      }
    });
  });

  it('exceedance quotes hostile prefixes and suffixes', async () => {
    await withEngine(async (engine) => {
      const prefix = `p"); --`;
      const bands = { a: [0, 1], b: [1, 2] } as Record<string, [number, number]>;
      const input = table([`${prefix}_a`, `${prefix}_b`], [[0.25, 0.5]]);
      const ctx = await tableContext(engine, input.sql, spec);
      const out = exceedance({ sources: [prefix], bands, suffix: `'; DROP` }, input, ctx);
      expect(await engine.rows(`SELECT ${ident(`${prefix}_a'; DROP`)} AS a FROM (${out.sql})`)).toEqual([{ a: 0.75 }]);
    });
  });
});

describe('drop-missing with infinite values (issue 16)', () => {
  it('keeps ±inf by default, as pandas dropna() does, and drops them with infinite: true', async () => {
    await withEngine(async (engine) => {
      const input = table(['id', 'x'], [[0, 1], [1, Infinity], [2, -Infinity], [3, Number.NaN], [4, null]]);
      const ctx = await tableContext(engine, input.sql, spec);
      const kept = async (r: Relation) => (await engine.rows<{ id: number }>(`SELECT id FROM (${r.sql}) ORDER BY id`)).map((x) => x.id);
      expect(await kept(dropMissing({ columns: ['x'] }, input, ctx))).toEqual([0, 1, 2]);
      expect(await kept(dropMissing({ columns: ['x'], infinite: true }, input, ctx))).toEqual([0]);
    });
  });
});
