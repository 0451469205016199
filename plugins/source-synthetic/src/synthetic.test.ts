import { statSync } from 'node:fs';
import { type DataContext, type DataEngine } from '@prd/core';
import { BAND_SETS, SEED_GRID, seedMergedColumns } from '@prd/precip';
import { pluginContext, withEngine } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import plugins, { openSynthetic, type SyntheticSourceOptions } from './index.js';

const small: SyntheticSourceOptions = { seed: 7, events: 2, times: 3, cells: 40, members: 18 };
const keys = BAND_SETS['standard-5'].map((b) => b.key);

function dataContext(engine: DataEngine, tempDir?: string): DataContext {
  const base = pluginContext(tempDir ? { tempDir } : {});
  return { ...base, engine, spec: { profile: ['relative_humidity'], target: { bands: 'standard-5' } } };
}

async function num(engine: DataEngine, sql: string): Promise<number> {
  return Number(await engine.scalar(sql));
}

describe('synthetic source', () => {
  it('is one source plugin named synthetic', () => {
    expect(plugins.map((p) => [p.kind, p.name])).toEqual([['source', 'synthetic']]);
  });

  it("has exactly the seed's 233 merged-file columns in model-first order, plus event", async () => {
    await withEngine(async (engine) => {
      const data = await openSynthetic(small, dataContext(engine));
      const columns = await engine.columns(data.relation);
      expect(columns.map((c) => c.name)).toEqual([...seedMergedColumns('model-first'), 'event']);
      expect(columns).toHaveLength(234);
      const type = (name: string) => columns.find((c) => c.name === name)?.type;
      expect(type('time')).toBe('TIMESTAMP');
      expect(type('forecast_reference_time')).toBe('TIMESTAMP');
      expect(type('forecast_period')).toBe('VARCHAR');
      expect(type('air_temperature_6000.0')).toBe('DOUBLE');
      expect(data.description).toContain('4,320 rows');
    });
  });

  it('makes events x times x cells x members rows on the MOGREPS-G grid, 6-hourly, 18 labelled members per key', async () => {
    await withEngine(async (engine) => {
      const { relation } = await openSynthetic(small, dataContext(engine));
      const from = `FROM (${relation.sql})`;
      expect(await engine.count(relation)).toBe(2 * 3 * 40 * 18);
      expect(await num(engine, `SELECT count(DISTINCT (time, latitude, longitude)) ${from}`)).toBe(2 * 3 * 40);
      expect(await num(engine, `SELECT max(n) - min(n) FROM (SELECT count(*) n ${from} GROUP BY time, latitude, longitude)`)).toBe(0);
      // Grid points sit on the seed's spacing.
      const { latitude: lat, longitude: lon } = SEED_GRID;
      expect(await num(engine, `SELECT count(*) ${from} WHERE abs((latitude - ${lat.first}) / ${lat.step} - round((latitude - ${lat.first}) / ${lat.step})) > 1e-9 OR abs((longitude - ${lon.first}) / ${lon.step} - round((longitude - ${lon.first}) / ${lon.step})) > 1e-9`)).toBe(0);
      // Times are 6 hours apart within an event; the reference time is 6 hours earlier.
      const times = await engine.rows<{ event: string; hours: number[] }>(`SELECT event, list(DISTINCT date_diff('hour', TIMESTAMP '2020-01-01', time) ORDER BY date_diff('hour', TIMESTAMP '2020-01-01', time)) AS hours ${from} GROUP BY event ORDER BY event`);
      expect(times).toHaveLength(2);
      for (const { hours } of times) expect(hours.slice(1).map((h, i) => Number(h) - Number(hours[i]))).toEqual([6, 6]);
      expect(await num(engine, `SELECT count(*) ${from} WHERE forecast_reference_time <> time - INTERVAL 6 HOUR OR forecast_period <> '0 days 06:00:00'`)).toBe(0);
      // Even cycles label members 0..17, odd cycles 17..34, as MOGREPS-G cycles in the seed's data.
      const labels = await engine.rows<{ lo: number; hi: number; n: bigint }>(`SELECT min(realization) lo, max(realization) hi, count(DISTINCT realization) n ${from} GROUP BY time ORDER BY time`);
      expect(labels.map((l) => [Number(l.lo), Number(l.hi), Number(l.n)])).toEqual([[0, 17, 18], [17, 34, 18], [0, 17, 18], [0, 17, 18], [17, 34, 18], [0, 17, 18]]);
    });
  });

  it('gives every member of a (time, cell) the same radar truth, with closed bands whose sums can exceed 1', async () => {
    await withEngine(async (engine) => {
      const { relation } = await openSynthetic(small, dataContext(engine));
      const from = `FROM (${relation.sql})`;
      const radar = ['radar_mean_rain_instant', 'radar_max_rain_aggregate_3hr', ...keys.map((k) => `"radar_fraction_in_band_instant_${k}"`)];
      expect(await num(engine, `SELECT count(*) FROM (SELECT ${radar.map((c) => `count(DISTINCT ${c})`).join(' + ')} AS d ${from} GROUP BY time, latitude, longitude) WHERE d <> ${radar.length}`)).toBe(0);
      const sums = keys.map((k) => `"radar_fraction_in_band_instant_${k}"`).join(' + ');
      expect(await num(engine, `SELECT max(abs(fraction_sum_instant - (${sums}))) ${from}`)).toBeLessThan(1e-12);
      expect(await num(engine, `SELECT min(fraction_sum_instant) ${from}`)).toBeGreaterThanOrEqual(1 - 1e-12);
      expect(await num(engine, `SELECT count(*) ${from} WHERE fraction_sum_instant > 1 + 1e-9`)).toBeGreaterThan(0);
      // Some cells are completely dry, which drop-dry removes.
      expect(await num(engine, `SELECT count(*) ${from} WHERE "radar_fraction_in_band_instant_0.0" = 1`)).toBeGreaterThan(0);
      expect(await num(engine, `SELECT count(*) ${from} WHERE "radar_fraction_in_band_instant_0.0" < 1`)).toBeGreaterThan(0);
    });
  });

  it('has NWP rates that sum to the total and band probabilities that match a hand count of members in half-open bands', async () => {
    await withEngine(async (engine) => {
      const { relation } = await openSynthetic(small, dataContext(engine));
      const from = `FROM (${relation.sql})`;
      expect(await num(engine, `SELECT max(abs(total_precip_rate - (rainfall_rate + convective_rainfall_rate + lwe_snowfall_rate + lwe_convective_snowfall_rate))) ${from}`)).toBeLessThan(2e-6);
      // One key by hand, in JS.
      const members = await engine.rows<Record<string, number>>(`SELECT total_precip_rate AS rate, ${keys.map((k, i) => `"mogrepsg_fraction_in_band_instant_${k}" AS p${i}`).join(', ')} ${from} WHERE (time, latitude, longitude) = (SELECT (time, latitude, longitude) ${from} WHERE total_precip_rate > 0.5 LIMIT 1)`);
      expect(members).toHaveLength(18);
      BAND_SETS['standard-5'].forEach((band, i) => {
        const inBand = members.filter((m) => m.rate >= band.lower && m.rate < band.upper).length;
        for (const m of members) expect(m[`p${i}`]).toBeCloseTo(inBand / 18, 12);
      });
      // And every key in SQL.
      const bad = await num(engine, `SELECT count(*) FROM (SELECT ${BAND_SETS['standard-5'].map((b, i) => `abs(avg(CASE WHEN total_precip_rate >= ${b.lower} AND total_precip_rate < ${b.upper} THEN 1.0 ELSE 0.0 END) - any_value("mogrepsg_fraction_in_band_instant_${keys[i]}")) AS d${i}`).join(', ')} ${from} GROUP BY time, latitude, longitude) WHERE greatest(${keys.map((_, i) => `d${i}`).join(', ')}) > 1e-12`);
      expect(bad).toBe(0);
    });
  });

  it('makes a radar truth that follows the profiles (humidity, cloud, lapse rate) but not the wind direction', async () => {
    await withEngine(async (engine) => {
      const { relation } = await openSynthetic({ ...small, cells: 200, times: 4 }, dataContext(engine));
      const layer = (v: string) => ['1000.0', '1500.0', '2000.0', '2500.0', '3000.0'].map((h) => `"${v}_${h}"`).join(' + ');
      const row = (await engine.rows<Record<string, number>>(`SELECT
          corr(${layer('relative_humidity')}, radar_mean_rain_instant) AS rh,
          corr(${layer('cloud_volume_fraction_in_atmosphere_layer')}, radar_mean_rain_instant) AS cloud,
          corr("air_temperature_500.0" - "air_temperature_3000.0", radar_mean_rain_instant) AS lapse,
          corr(${layer('wind_from_direction')}, radar_mean_rain_instant) AS direction
        FROM (${relation.sql})`))[0];
      expect(row.rh).toBeGreaterThan(0.2);
      expect(row.cloud).toBeGreaterThan(0.2);
      expect(row.lapse).toBeGreaterThan(0.1);
      expect(Math.abs(row.direction)).toBeLessThan(0.1);
    });
  });

  it('is deterministic for a seed, differs between seeds, and generates once per option set', async () => {
    await withEngine(async (engine) => {
      const ctx = dataContext(engine);
      const digest = async (sql: string) => String(await engine.scalar(`SELECT sum(hash(t)) FROM (${sql}) t`));
      const a = await openSynthetic(small, ctx);
      const path = a.relation.sql.match(/'([^']+\.parquet)'/)![1];
      // Reuse touches the file (its last use, for `prd cache prune`); generating again would put another file in place.
      const inode = statSync(path).ino;
      const again = await openSynthetic(small, ctx);
      expect(again.fingerprint).toBe(a.fingerprint);
      expect(statSync(path).ino).toBe(inode);
      const elsewhere = await openSynthetic(small, dataContext(engine));
      expect(elsewhere.relation.sql).not.toBe(a.relation.sql);
      expect(await digest(elsewhere.relation.sql)).toBe(await digest(a.relation.sql));
      const other = await openSynthetic({ ...small, seed: 8 }, ctx);
      expect(other.fingerprint).not.toBe(a.fingerprint);
      expect(await digest(other.relation.sql)).not.toBe(await digest(a.relation.sql));
    });
  });

  it('names events as asked and keeps them apart in time', async () => {
    await withEngine(async (engine) => {
      const { relation } = await openSynthetic({ ...small, events: ['storm_a', 'storm_b', 'storm_c'], cells: 4, members: 2 }, dataContext(engine));
      const rows = await engine.rows<{ event: string; lo: Date; hi: Date }>(`SELECT event, min(time) lo, max(time) hi FROM (${relation.sql}) GROUP BY event ORDER BY lo`);
      expect(rows.map((r) => r.event)).toEqual(['storm_a', 'storm_b', 'storm_c']);
      for (let i = 1; i < rows.length; i++) expect(rows[i].lo.getTime()).toBeGreaterThan(rows[i - 1].hi.getTime());
    });
  });
});
