// End to end: `prd run` on the quickstart's synthetic data with every evaluator and explainer, then checks of
// what the run wrote, made independently of the code that wrote it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReport, type BrowserCheck } from './browser.test-helper.js';

const PRD = resolve(import.meta.dirname, '..', '..', 'cli', 'bin', 'run.js');
const QUICKSTART = resolve(import.meta.dirname, '..', '..', '..', 'recipes', 'quickstart.json');

let runDir: string;
let check: BrowserCheck | undefined;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'prd-e2e-'));
  writeFileSync(
    join(dir, 'explained.json'),
    JSON.stringify({
      extends: QUICKSTART,
      name: 'quickstart-explained',
      evaluate: [{ use: 'fss' }, { use: 'frequency-bias' }, { use: 'kl-divergence' }, { use: 'mae' }, { use: 'r2' }],
      explain: [{ use: 'permutation-importance', with: { repeats: 5 } }, { use: 'saliency' }, { use: 'filters' }],
    }),
  );
  const result = spawnSync(process.execPath, [PRD, 'run', 'explained.json', '--set', 'data.source.with.cells=150', '--json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' }, timeout: 1_200_000 });
  if (result.status !== 0) throw new Error(`prd run failed (${result.status}):\n${result.stderr}\n${result.stdout}`);
  runDir = JSON.parse(result.stdout).runDir;
}, 1_300_000);

afterAll(async () => {
  await check?.close();
});

/** predictions.csv as rows of numbers by column name (time stays text). */
function readPredictions(): Array<Record<string, number | string>> {
  const [head, ...lines] = readFileSync(join(runDir, 'predictions.csv'), 'utf8').trim().split('\n');
  const names = head.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i], names[i] === 'time' ? cell : Number(cell)])));
}

/** FSS per threshold written out from the seed's formulas, with prd's floor for rounding below 1e-6. */
function fss(rows: Array<Record<string, number | string>>, keys: string[], source: string): number[] {
  const exceedance = (row: Record<string, number | string>, prefix: string) => {
    let sum = 0;
    return keys.map((k) => {
      sum += row[`${prefix}_fraction_in_band_instant_${k}`] as number;
      return 1 - sum < 1e-6 ? 0 : 1 - sum;
    });
  };
  return keys.map((_, k) => {
    let [fbs, ref] = [0, 0];
    for (const row of rows) {
      const [obs, fx] = [exceedance(row, 'radar')[k], exceedance(row, source)[k]];
      fbs += (fx - obs) ** 2;
      ref += fx ** 2 + obs ** 2;
    }
    return ref === 0 ? NaN : 1 - fbs / ref;
  });
}

function ensembleMean(rows: Array<Record<string, number | string>>): Array<Record<string, number | string>> {
  const groups = new Map<string, Array<Record<string, number | string>>>();
  for (const row of rows) groups.set(`${row.time}|${row.latitude}|${row.longitude}`, [...(groups.get(`${row.time}|${row.latitude}|${row.longitude}`) ?? []), row]);
  return [...groups.values()].map((group) => {
    const mean: Record<string, number | string> = { ...group[0] };
    for (const name of Object.keys(group[0])) if (typeof group[0][name] === 'number') mean[name] = group.reduce((a, r) => a + (r[name] as number), 0) / group.length;
    return mean;
  });
}

describe('prd run with evaluators, explainers and the report', () => {
  it('metrics.json FSS agrees with an independent computation over predictions.csv to 1e-9', () => {
    const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
    const rows = readPredictions();
    const keys = ['0.0', '0.25', '2.5', '7.0', '10.0'];
    const thresholds = ['0.01', '0.5', '4', '10', '220'];
    const subsets: Array<[string, Array<Record<string, number | string>>]> = [
      ['fss', rows],
      ['fss_ensemble_mean', ensembleMean(rows)],
      ['fss_control', rows.filter((r) => r.realization === 0)],
    ];
    let compared = 0;
    for (const [metric, subset] of subsets) {
      for (const [side, source] of [['ml', 'ml'], ['nwp', 'mogrepsg']] as const) {
        fss(subset, keys, source).forEach((want, k) => {
          const got = metrics.test[metric][thresholds[k]][side];
          if (Number.isNaN(want)) expect(got, `${metric} ${thresholds[k]} ${side}`).toBeNull();
          else {
            expect(Math.abs(got - want), `${metric} ${thresholds[k]} ${side}`).toBeLessThan(1e-9);
            compared++;
          }
        });
      }
    }
    expect(compared).toBeGreaterThanOrEqual(24);
  });

  it('permutation importance ranks the wind direction, which the synthetic truth does not use, at the bottom', () => {
    const importance = JSON.parse(readFileSync(join(runDir, 'explain', 'permutation-importance', 'importance.json'), 'utf8'));
    const ranked = importance.features.map((f: { name: string }) => f.name);
    expect(ranked).toHaveLength(5);
    // Bottom two of five: a 3-epoch model on 150 cells learns some spurious use of it, but less than of the rest.
    expect(ranked.indexOf('wind_from_direction')).toBeGreaterThanOrEqual(3);
    const others = importance.features.filter((f: { name: string }) => f.name !== 'wind_from_direction').map((f: { mean: number }) => f.mean);
    const wind = importance.features.find((f: { name: string }) => f.name === 'wind_from_direction').mean;
    expect(wind).toBeLessThan(others.reduce((a: number, b: number) => a + b, 0) / others.length);
  });

  it('saliency and filters explain the trained model', () => {
    const saliency = JSON.parse(readFileSync(join(runDir, 'explain', 'saliency', 'saliency.json'), 'utf8'));
    expect(saliency.heights).toHaveLength(33);
    expect(saliency.heights[0]).toBeLessThan(saliency.heights[32]);
    expect(saliency.samples[0].gradCam).toHaveLength(5);
    const filters = JSON.parse(readFileSync(join(runDir, 'explain', 'filters', 'filters.json'), 'utf8'));
    expect(filters).toMatchObject({ layer: 'conv1d', kernelSize: 3 });
    expect(filters.filters).toHaveLength(32);
  });

  it('report.html opens in headless Chromium with no console errors, no requests, and every plot drawn', async () => {
    check = await checkReport(join(runDir, 'report.html'));
    expect(check.consoleErrors).toEqual([]);
    expect(check.requests).toEqual([]);
    expect(check.failures).toEqual([]);
    expect(check.figures).toBeGreaterThan(30);
    expect(check.headings).toContain('Explanations');
    expect(await check.page.locator('figure[data-plot="importance_permutation"] svg').count()).toBe(1);
  }, 300_000);
});
