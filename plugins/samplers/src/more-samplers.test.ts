import { isPrdError, type DataEngine, type FeatureSpec, type PrdError, type Relation } from '@prd/core';
import { tableContext, withEngine } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import { byEventSplit, byTimeSplit } from './index.js';

const spec: FeatureSpec = { profile: ['relative_humidity'], target: { bands: 'standard-5' } };
const bandColumns = ['0.0', '0.25', '2.5', '7.0', '10.0'].map((k) => `"radar_fraction_in_band_instant_${k}"`).join(', ');

/** Rows for `events` x `times` x 4 cells x 2 members; event e's times start 10 days after event e-1's. */
function eventsTable(events: string[], times: number): Relation {
  const rows: string[] = [];
  events.forEach((event, e) => {
    for (let t = 0; t < times; t++) {
      for (let c = 0; c < 4; c++) {
        for (let m = 0; m < 2; m++) rows.push(`('${event}', TIMESTAMP '2020-01-01' + INTERVAL ${e * 240 + 6 * t} HOUR, ${50 + c * 0.1875}, 1.0, ${m}, 0.5, 1, 0, 0, 0, 0)`);
      }
    }
  });
  return { sql: `SELECT * FROM (VALUES ${rows.join(', ')}) v(event, time, latitude, longitude, realization, "relative_humidity_5.0", ${bandColumns})` };
}

async function splitOf(engine: DataEngine, relation: Relation, by: string): Promise<Record<string, string[]>> {
  const rows = await engine.rows<{ k: string; s: string[] }>(`SELECT CAST(${by} AS VARCHAR) AS k, list(DISTINCT split ORDER BY split) AS s FROM (${relation.sql}) GROUP BY ${by} ORDER BY ${by}`);
  return Object.fromEntries(rows.map((r) => [r.k, r.s]));
}

async function failure(promise: Promise<unknown>): Promise<PrdError> {
  try {
    await promise;
  } catch (error) {
    if (isPrdError(error)) return error;
    throw error;
  }
  throw new Error('expected a PrdError');
}

describe('by-time sampler', () => {
  it('holds out the last round(T x test) times for test and the round(T x validation) before them (half to even)', async () => {
    await withEngine(async (engine) => {
      const input = eventsTable(['a'], 10); // 10 times: round(2.5) = 2 test, round(3.5) = 4 validation
      const ctx = await tableContext(engine, input.sql, spec);
      const labels = await splitOf(engine, await byTimeSplit({ validation: 0.35, test: 0.25, column: 'time' }, input, ctx), 'time');
      expect(Object.values(labels).map((s) => s.join())).toEqual(['train', 'train', 'train', 'train', 'validation', 'validation', 'validation', 'validation', 'test', 'test']);
    });
  });

  it('sorts times rather than taking them in file order', async () => {
    await withEngine(async (engine) => {
      const base = eventsTable(['a'], 5);
      const input = { sql: `SELECT * FROM (${base.sql}) ORDER BY time DESC` };
      const ctx = await tableContext(engine, input.sql, spec);
      const labels = await splitOf(engine, await byTimeSplit({ validation: 0, test: 0.2, column: 'time' }, input, ctx), 'time');
      expect(Object.values(labels).map((s) => s.join())).toEqual(['train', 'train', 'train', 'train', 'test']);
    });
  });
});

describe('by-event sampler', () => {
  const events = ['202002_storm_ciara', '202002_storm_dennis', '202010_amber_oct', '2022_storm_eunice_franklin'];

  it("holds out named events (or a part of one event's name) for test and takes validation keys from the rest", async () => {
    await withEngine(async (engine) => {
      const input = eventsTable(events, 5);
      const ctx = await tableContext(engine, input.sql, spec);
      const out = await byEventSplit({ test: ['storm_ciara', 'storm_eunice'], validation: 0.25, column: 'event', keys: ['time', 'latitude', 'longitude'] }, 42, input, ctx);
      const byEvent = await splitOf(engine, out, 'event');
      expect(byEvent['202002_storm_ciara']).toEqual(['test']);
      expect(byEvent['2022_storm_eunice_franklin']).toEqual(['test']);
      expect(byEvent['202002_storm_dennis']).toEqual(['train', 'validation']);
      // 2 events x 5 times x 4 cells = 40 keys: round(40 x 0.25) = 10 validation keys, members together.
      const keys = await engine.rows<{ n: bigint }>(`SELECT count(DISTINCT (time, latitude, longitude)) AS n FROM (${out.sql}) WHERE split = 'validation'`);
      expect(Number(keys[0].n)).toBe(10);
      const crossing = await engine.scalar(`SELECT count(*) FROM (SELECT count(DISTINCT split) s FROM (${out.sql}) GROUP BY time, latitude, longitude) WHERE s > 1`);
      expect(Number(crossing)).toBe(0);
    });
  });

  it('takes named validation events', async () => {
    await withEngine(async (engine) => {
      const input = eventsTable(events, 2);
      const ctx = await tableContext(engine, input.sql, spec);
      const out = await byEventSplit({ test: ['202002_storm_ciara'], validation: ['amber'], column: 'event', keys: ['time'] }, 1, input, ctx);
      expect(await splitOf(engine, out, 'event')).toEqual({
        '202002_storm_ciara': ['test'],
        '202002_storm_dennis': ['train'],
        '202010_amber_oct': ['validation'],
        '2022_storm_eunice_franklin': ['train'],
      });
    });
  });

  it('names unknown and ambiguous events, and refuses to hold out everything', async () => {
    await withEngine(async (engine) => {
      const input = eventsTable(events, 1);
      const ctx = await tableContext(engine, input.sql, spec, { pointer: '/split' });
      const bad = await failure(byEventSplit({ test: ['202002_storm_ciaro', 'storm'], validation: 0.2, column: 'event', keys: ['time'] }, 1, input, ctx));
      expect(bad.issues.map((i) => [i.pointer, i.suggestion])).toEqual([['/split/with/test/0', '202002_storm_ciara'], ['/split/with/test/1', undefined]]);
      expect(bad.issues[1].message).toMatch(/matches 3 events/);
      const all = await failure(byEventSplit({ test: ['storm'.replace('storm', '202002_storm_ciara'), 'dennis', 'eunice'], validation: ['amber'], column: 'event', keys: ['time'] }, 1, input, ctx));
      expect(all.issues[0].message).toMatch(/every event .* is held out/);
    });
  });
});
