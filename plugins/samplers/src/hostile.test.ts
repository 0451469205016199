import { ident, literal, type FeatureSpec, type Relation } from '@prd/core';
import { tableContext, withEngine } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import { byEventSplit, byTimeSplit, timeSpaceSplit } from './index.js';

const spec: FeatureSpec = { profile: ['relative_humidity'], target: { bands: 'standard-5' } };
const HOSTILE = `t"); COPY (SELECT 1) TO 'x.csv'; --`;
const EVENT = `ev'); DROP TABLE t; --`;

/** Ten times x two cells, with hostile names for the time and event columns and a hostile event value. */
function table(): Relation {
  const rows: string[] = [];
  for (let t = 0; t < 10; t++) for (let c = 0; c < 2; c++) rows.push(`(TIMESTAMP '2020-01-01' + INTERVAL ${t} HOUR, ${c}::DOUBLE, ${literal(t < 5 ? EVENT : 'other')})`);
  const features = ['latitude', 'longitude', 'realization', 'relative_humidity_5.0', ...['0.0', '0.25', '2.5', '7.0', '10.0'].map((k) => `radar_fraction_in_band_instant_${k}`)].map((c) => `0.5::DOUBLE AS ${ident(c)}`).concat(`TIMESTAMP '2020-01-01' AS time`);
  return { sql: `SELECT *, ${features.join(', ')} FROM (VALUES ${rows.join(', ')}) v(${ident(HOSTILE)}, cell, ${ident(EVENT)})` };
}

async function counts(engine: Parameters<Parameters<typeof withEngine>[0]>[0], relation: Relation): Promise<Record<string, number>> {
  const rows = await engine.rows<{ split: string; n: bigint }>(`SELECT split, count(*) AS n FROM (${relation.sql}) GROUP BY split`);
  return Object.fromEntries(rows.map((r) => [r.split, Number(r.n)]));
}

describe('samplers with hostile column names and values (issue 16)', () => {
  it('by-time, time-space and by-event quote every name and value', async () => {
    await withEngine(async (engine) => {
      const input = table();
      const ctx = await tableContext(engine, input.sql, spec);
      expect(await counts(engine, await byTimeSplit({ column: HOSTILE, validation: 0.2, test: 0.2 }, input, ctx))).toEqual({ train: 12, validation: 4, test: 4 });
      expect(Object.values(await counts(engine, await timeSpaceSplit({ keys: [HOSTILE, 'cell'], validation: 0.25, test: 0.25 }, 1, input, ctx))).reduce((a, b) => a + b)).toBe(20);
      const byEvent = await byEventSplit({ column: EVENT, test: [EVENT], validation: 0.5, keys: [HOSTILE, 'cell'] }, 1, input, ctx);
      expect(await counts(engine, byEvent)).toEqual({ test: 10, train: 5, validation: 5 });
    });
  });
});
