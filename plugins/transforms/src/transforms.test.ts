import { isPrdError, type DataEngine, type FeatureSpec, type Relation } from '@prd/core';
import { tableContext, withEngine } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import plugins, { dropDry, dropMissing, exceedance, nwpBands, rangeFilter } from './index.js';

const keys = ['0.0', '0.25', '2.5', '7.0', '10.0'];
const spec: FeatureSpec = { profile: ['relative_humidity'], target: { bands: 'standard-5' } };

/** A table from rows of values under the given column names. */
function table(columns: string[], rows: Array<Array<number | string | null>>): Relation {
  const value = (v: number | string | null) => (v === null ? 'NULL' : typeof v === 'string' ? (v === 'NaN' ? `'NaN'::DOUBLE` : `'${v}'`) : `${v}::DOUBLE`);
  return { sql: `SELECT * FROM (VALUES ${rows.map((r) => `(${r.map(value).join(', ')})`).join(', ')}) v(${columns.map((c) => `"${c}"`).join(', ')})` };
}

/** Columns of a minimal band table: metadata, one profile column and the five radar bands. */
const bandColumns = ['time', 'realization', 'latitude', 'longitude', 'relative_humidity_5.0', ...keys.map((k) => `radar_fraction_in_band_instant_${k}`)];

async function values(engine: DataEngine, relation: Relation, column: string, order = 'realization'): Promise<unknown[]> {
  const rows = await engine.rows(`SELECT "${column}" AS v FROM (${relation.sql}) ORDER BY ${order}`);
  return rows.map((r) => (typeof r.v === 'number' && Number.isNaN(r.v) ? 'NaN' : r.v));
}

describe('transforms package', () => {
  it('exports the six transforms', () => {
    expect(plugins.map((p) => `${p.kind}:${p.name}`)).toEqual(['transform:drop-missing', 'transform:range', 'transform:drop-dry', 'transform:nwp-bands', 'transform:exceedance', 'transform:binary-target']);
  });
});

describe('drop-missing', () => {
  it("drops rows with NULL or NaN in any column (the seed's dropna), or only in the recipe's columns", async () => {
    await withEngine(async (engine) => {
      const input = table([...bandColumns, 'unused'], [
        ['t', 0, 50, 1, 0.5, 1, 0, 0, 0, 0, 1],
        ['t', 1, 50, 1, null, 1, 0, 0, 0, 0, 1],
        ['t', 2, 50, 1, 0.5, 1, 0, 0, 0, 0, null],
        ['t', 3, 50, 1, 'NaN', 1, 0, 0, 0, 0, 1],
        ['t', 4, 50, 1, 0.5, 1, 0, 0, 0, 0, 'NaN'],
      ]);
      const ctx = await tableContext(engine, input.sql, spec);
      expect(await values(engine, dropMissing({ columns: 'all' }, input, ctx), 'realization')).toEqual([0]);
      expect(await values(engine, dropMissing({ columns: 'used' }, input, ctx), 'realization')).toEqual([0, 2, 4]);
      expect(await values(engine, dropMissing({ columns: ['unused'] }, input, ctx), 'realization')).toEqual([0, 1, 3]);
    });
  });
});

describe('range', () => {
  it("keeps radar_mean_rain_instant < 50 by default (the seed's filter), dropping missing values as pandas does", async () => {
    await withEngine(async (engine) => {
      const input = table(['time', 'latitude', 'longitude', 'realization', 'relative_humidity_5.0', 'radar_mean_rain_instant'], [10, 49.99, 50, 60, null, 'NaN', -1].map((v, m) => ['t', 50, 1, m, 0.5, v]));
      const context = await tableContext(engine, input.sql, { profile: ['relative_humidity'], target: { column: 'radar_mean_rain_instant' } });
      expect(await values(engine, rangeFilter({ column: 'radar_mean_rain_instant' }, input, context), 'realization')).toEqual([0, 1, 6]);
      expect(await values(engine, rangeFilter({ column: 'radar_mean_rain_instant', atLeast: 0, atMost: 50 }, input, context), 'realization')).toEqual([0, 1, 2]);
      expect(await values(engine, rangeFilter({ column: 'radar_mean_rain_instant', above: 10 }, input, context), 'realization')).toEqual([1, 2, 3]);
    });
  });

  it('names a column that is not in the data, with the nearest one', async () => {
    await withEngine(async (engine) => {
      const input = table(bandColumns, [['t', 0, 50, 1, 0.5, 1, 0, 0, 0, 0]]);
      const ctx = await tableContext(engine, input.sql, spec, { pointer: '/data/transforms/1' });
      try {
        rangeFilter({ column: 'relative_humidity_5' }, input, ctx);
        expect.unreachable();
      } catch (error) {
        expect(isPrdError(error)).toBe(true);
        expect((error as { issues: unknown[] }).issues[0]).toMatchObject({ pointer: '/data/transforms/1/with/column', suggestion: 'relative_humidity_5.0' });
      }
    });
  });
});

describe('drop-dry', () => {
  it('drops rows whose lowest band is exactly 1 (data[target[0]] != 1), keeping NaN as pandas does', async () => {
    await withEngine(async (engine) => {
      const input = table(bandColumns, [
        ['t', 0, 50, 1, 0.5, 1, 0, 0, 0, 0],
        ['t', 1, 50, 1, 0.5, 0.999, 0.001, 0, 0, 0],
        ['t', 2, 50, 1, 0.5, 0, 1, 0, 0, 0],
        ['t', 3, 50, 1, 0.5, null, 0, 0, 0, 0],
        ['t', 4, 50, 1, 0.5, 1, 0.0047, 0, 0, 0],
      ]);
      const ctx = await tableContext(engine, input.sql, spec);
      expect(await values(engine, dropDry(input, ctx), 'realization')).toEqual([1, 2, 3]);
    });
  });

  it('drops rows whose regression target is not above 0 (data[data[target] > 0])', async () => {
    await withEngine(async (engine) => {
      const input = table(['time', 'latitude', 'longitude', 'realization', 'relative_humidity_5.0', 'radar_mean_rain_instant'], [0, 0.1, -1, null].map((v, m) => ['t', 50, 1, m, 0.5, v]));
      const ctx = await tableContext(engine, input.sql, { profile: ['relative_humidity'], target: { column: 'radar_mean_rain_instant' } });
      expect(await values(engine, dropDry(input, ctx), 'realization')).toEqual([1]);
    });
  });
});

describe('nwp-bands', () => {
  it('counts members per (time, cell) in half-open bands, as a hand count of the seed groupby', async () => {
    await withEngine(async (engine) => {
      // Cell A: rates 0, 0.005, 0.01, 0.5 -> [0, 0.01): 2/4, [0.01, 0.5): 1/4, [0.5, 4): 1/4.
      // Cell B: rates 4, 10, 220, NULL -> [4, 10): 1/4, [10, 220): 1/4; 220 and NULL are in no band but count.
      const rows: Array<Array<number | string | null>> = [];
      [0, 0.005, 0.01, 0.5].forEach((r, m) => rows.push(['t', m, 50, 1, 0.5, 0, 0, 0, 0, 0, r, 9]));
      [4, 10, 220, null].forEach((r, m) => rows.push(['t', m, 51, 1, 0.5, 0, 0, 0, 0, 0, r, 9]));
      const input = table([...bandColumns, 'total_precip_rate', 'mogrepsg_fraction_in_band_instant_0.0'], rows);
      const ctx = await tableContext(engine, input.sql, spec);
      const out = nwpBands({ rate: 'total_precip_rate', groupBy: ['time', 'latitude', 'longitude'] }, input, ctx);
      const got = await engine.rows(`SELECT latitude, ${keys.map((k, i) => `any_value("mogrepsg_fraction_in_band_instant_${k}") AS b${i}`).join(', ')}, count(*) AS n FROM (${out.sql}) GROUP BY latitude ORDER BY latitude`);
      expect(got).toEqual([
        { latitude: 50, b0: 0.5, b1: 0.25, b2: 0.25, b3: 0, b4: 0, n: 4n },
        { latitude: 51, b0: 0, b1: 0, b2: 0, b3: 0.25, b4: 0.25, n: 4n },
      ]);
      // The old column was replaced, not duplicated.
      expect((await engine.columns(out)).filter((c) => c.name === 'mogrepsg_fraction_in_band_instant_0.0')).toHaveLength(1);
    });
  });

  it('uses custom bands and prefixes when asked', async () => {
    await withEngine(async (engine) => {
      const rows = [0.1, 1, 3].map((r, m) => ['t', m, 50, 1, 0.5, 0, 0, 0, 0, 0, r]);
      const input = table([...bandColumns, 'rainfall_rate'], rows);
      const ctx = await tableContext(engine, input.sql, spec);
      const out = nwpBands({ rate: 'rainfall_rate', bands: { dry: [0, 0.5], wet: [0.5, 100] }, prefix: 'nwp', groupBy: ['time', 'latitude', 'longitude'] }, input, ctx);
      expect(await engine.rows(`SELECT DISTINCT nwp_dry, nwp_wet FROM (${out.sql})`)).toEqual([{ nwp_dry: 1 / 3, nwp_wet: 2 / 3 }]);
    });
  });
});

describe('exceedance', () => {
  it('is 1 - cumulative sum clipped at 0, named with the seed spelling _exceedence', async () => {
    await withEngine(async (engine) => {
      // Closed radar bands can sum above 1: 0.6 + 0.3 + 0.15 = 1.05.
      const input = table([...bandColumns, ...keys.map((k) => `mogrepsg_fraction_in_band_instant_${k}`)], [
        ['t', 0, 50, 1, 0.5, 0.6, 0.3, 0.15, 0, 0, 0.5, 0.25, 0.25, 0, 0],
      ]);
      const ctx = await tableContext(engine, input.sql, spec);
      const out = exceedance({ suffix: '_exceedence' }, input, ctx);
      const [row] = await engine.rows(`SELECT ${keys.map((k, i) => `"radar_fraction_in_band_instant_${k}_exceedence" AS r${i}, "mogrepsg_fraction_in_band_instant_${k}_exceedence" AS n${i}`).join(', ')} FROM (${out.sql})`);
      expect([0, 1, 2, 3, 4].map((i) => Number((row[`r${i}`] as number).toFixed(12)))).toEqual([0.4, 0.1, 0, 0, 0]);
      expect([0, 1, 2, 3, 4].map((i) => row[`n${i}`])).toEqual([0.5, 0.25, 0, 0, 0]);
    });
  });

  it("sums the source bands of the 14-class improver merge for the truth", async () => {
    await withEngine(async (engine) => {
      const improver = ['0.0', '0.03', '0.09', '0.1', '0.25', '0.3', '0.5', '1.0', '2.0', '3.0', '4.0', '8.0', '12.0', '16.0', '20.0', '25.0', '30.0', '40.0', '50.0', '75.0', '100.0', '150.0', '200.0'];
      const fractions = improver.map((_, i) => (i === 0 ? 0.2 : i <= 3 ? 0.1 : i === 22 ? 0.1 : i < 8 ? 0.05 : 0.01));
      const input = table(['time', 'latitude', 'longitude', 'realization', 'relative_humidity_5.0', ...improver.map((k) => `radar_fraction_in_band_instant_${k}`)], [['t', 50, 1, 0, 0.5, ...fractions]]);
      const ctx = await tableContext(engine, input.sql, { profile: ['relative_humidity'], target: { bands: 'improver-14' }, baseline: false });
      const out = exceedance({ suffix: '_exceedence' }, input, ctx);
      const [row] = await engine.rows(`SELECT "radar_fraction_in_band_instant_0.0_exceedence" AS a, "radar_fraction_in_band_instant_0.03_0.1_exceedence" AS b, "radar_fraction_in_band_instant_greater_than_25.0_exceedence" AS z FROM (${out.sql})`);
      expect(row.a).toBeCloseTo(0.8, 12);
      expect(row.b).toBeCloseTo(0.5, 12);
      expect(row.z).toBeCloseTo(1 - 0.94, 12);
    });
  });
});

describe('binary-target', () => {
  it("makes the seed's raining column: 1 above the threshold, 0 at or below it, missing where the rain is missing", async () => {
    const { DataEngine } = await import('@prd/core');
    const { binaryTarget } = await import('./binary.js');
    const engine = await DataEngine.open();
    try {
      const input = { sql: "SELECT * FROM (VALUES (0.0), (0.2), (NULL), ('NaN'::DOUBLE)) AS t(radar_mean_rain_instant)" };
      const ctx = { columns: [{ name: 'radar_mean_rain_instant', type: 'DOUBLE' }], pointer: '/data/transforms/0' } as unknown as Parameters<typeof binaryTarget>[2];
      const out = binaryTarget({ column: 'radar_mean_rain_instant', above: 0, name: 'raining' }, input, ctx);
      const rows = await engine.rows<{ raining: number | null }>(out.sql);
      expect(rows.map((r) => r.raining)).toEqual([0, 1, null, null]);
    } finally {
      engine.close();
    }
  });
});
