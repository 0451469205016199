import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataEngine } from '@prd/core';
import { writeRunDirectory } from './fixture.test-helper.js';
import { forecastMaps } from './plots/maps.js';
import { reportSettings } from './report.js';
import { readRun } from './run-data.js';

// The recipe's report.mapTimes says how many validity times get forecast maps (the seed's notebook drew every one).
let runDir: string;
let engine: DataEngine;
beforeAll(async () => {
  runDir = await writeRunDirectory(mkdtempSync(join(tmpdir(), 'prd-map-times-')), { seed: 3, times: 3, lats: 4, lons: 3, members: 2 });
  engine = await DataEngine.open({ threads: 1 });
}, 120_000);
afterAll(() => engine.close());

/** Set the run recipe's report block, then count the validity times with ML forecast maps. */
async function mapTimes(report: unknown): Promise<number> {
  const file = join(runDir, 'recipe.resolved.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), report }));
  const run = readRun(runDir);
  const settings = reportSettings({}, run.recipe);
  const plots = await forecastMaps(engine, run.predictions!, run.preprocessing!, { maxTimes: settings.maxMapTimes, maxMembers: settings.maxMembers });
  // map_ml_<threshold>_<time>: one time per map of the first threshold.
  const firstThreshold = plots.find((p) => p.id.startsWith('map_ml_'))!.group;
  return plots.filter((p) => p.id.startsWith('map_ml_') && p.group === firstThreshold).length;
}

describe('report.mapTimes', () => {
  it('draws the 2 wettest times by default, N when set, and every time for "all"', async () => {
    expect(await mapTimes(undefined)).toBe(2);
    expect(await mapTimes({ mapTimes: 1 })).toBe(1);
    expect(await mapTimes({ mapTimes: 'all' })).toBe(3);
  });

  it('yields to what the caller passes', () => {
    expect(reportSettings({ maxMapTimes: 5 }, { report: { mapTimes: 'all' } }).maxMapTimes).toBe(5);
    expect(reportSettings({}, { report: { mapTimes: 'all' } }).maxMapTimes).toBe(Infinity);
  });
});
