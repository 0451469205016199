import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataEngine, isPrdError, literal, RunEvents, type Evaluator, type MetricTree, type PluginContext, type Relation, type ResolvedFeatures } from '@prd/core';
import plugins from './index.js';
import {
  bandFeatures, ensembleMean, ensembleRows, fssByThreshold, ML, parsePredictionsCsv, seedFrequencyBias, writeRowsCsv, type PredictionRow,
} from './fixture.test-helper.js';

let engine: DataEngine;
let dir: string;
const context = (): PluginContext => ({ seed: 1, baseDir: '.', pointer: '/evaluate/0', events: new RunEvents(), tempDir: dir });

async function evaluator(name: string, options: Record<string, unknown> = {}): Promise<Evaluator> {
  const plugin = plugins.find((p) => p.name === name)!;
  const defaults = { aggregations: ['members', 'ensemble_mean', 'control'], perCell: [], memberColumn: 'realization', controlMember: 0, cellColumns: ['latitude', 'longitude'] };
  return (await plugin.create({ ...defaults, ...options }, context())) as Evaluator;
}

async function score(name: string, predictions: Relation, options: Record<string, unknown> = {}, features: ResolvedFeatures = bandFeatures(), outDir?: string): Promise<MetricTree> {
  return (await evaluator(name, options)).evaluate({ split: 'test', predictions, features, engine, outDir });
}

function csvRelation(rows: PredictionRow[], name: string): Relation {
  const path = join(dir, name);
  writeRowsCsv(rows, path);
  return { sql: `SELECT * FROM read_csv(${literal(path)}, header = true, types = {'time': 'VARCHAR'})` };
}

const at = (tree: MetricTree, ...path: string[]): unknown => path.reduce<unknown>((node, key) => (node as MetricTree | undefined)?.[key], tree);

beforeAll(async () => {
  engine = await DataEngine.open({ threads: 1 });
  dir = mkdtempSync(join(tmpdir(), 'prd-eval-'));
});
afterAll(() => engine.close());

// Two control-member rows in dyadic fractions, so every number below is exact and can be checked by hand with the
// seed's formulas (seed-pipeline.md §3.5, §8.2, §8.3).
//   radar A [.5 .25 .25 0 0] -> exceedance [.5 .25 0 0 0];  radar B [1 0 0 0 0] -> [0 0 0 0 0]
//   NWP   A [.25 .5 .25 0 0] -> [.75 .25 0 0 0];           NWP   B [.75 .25 0 0 0] -> [.25 0 0 0 0]
//   ML    A [.5 .25 .125 .125 0] -> [.5 .25 .125 0 0];     ML    B [.875 .125 0 0 0] -> [.125 0 0 0 0]
const handRows: PredictionRow[] = [
  { time: '2020-02-15 06:00:00', realization: 0, latitude: 50, longitude: 0, truth: [0.5, 0.25, 0.25, 0, 0], nwp: [0.25, 0.5, 0.25, 0, 0], ml: [0.5, 0.25, 0.125, 0.125, 0] },
  { time: '2020-02-15 06:00:00', realization: 0, latitude: 51, longitude: 0, truth: [1, 0, 0, 0, 0], nwp: [0.75, 0.25, 0, 0, 0], ml: [0.875, 0.125, 0, 0, 0] },
];

describe('hand-computed cases from the seed formulas', () => {
  it('fss per exceedance threshold, keyed by the band upper bounds', async () => {
    const tree = await score('fss', csvRelation(handRows, 'hand.csv'), { aggregations: ['members'] });
    // >0.01: ML FBS = 0 + 1/64, ref = 1/4 + 1/64 + 1/4 -> 1 - 1/33; NWP FBS = 1/16 + 1/16, ref = 9/16 + 1/16 + 1/4 -> 1 - 1/7.
    expect(at(tree, 'fss', '0.01', 'ml')).toBeCloseTo(32 / 33, 14);
    expect(at(tree, 'fss', '0.01', 'nwp')).toBeCloseTo(6 / 7, 14);
    // >0.5: both forecasts match the radar exceedance exactly.
    expect(at(tree, 'fss', '0.5')).toEqual({ ml: 1, nwp: 1 });
    // >4: ML forecasts 1/8 where the radar has nothing -> FBS = ref -> 0; NWP and radar are both 0 -> 0/0 -> null.
    expect(at(tree, 'fss', '4')).toEqual({ ml: 0, nwp: null });
    expect(at(tree, 'fss', '10')).toEqual({ ml: null, nwp: null });
    // (JavaScript lists integer-like keys first, so compare them in threshold order.)
    expect(Object.keys(at(tree, 'fss') as object).sort((a, b) => Number(a) - Number(b))).toEqual(['0.01', '0.5', '4', '10', '220']);
  });

  it('treats exceedance left by rounding (float32 softmax sums) as 0, so the top threshold is not scored noise', async () => {
    // float32 fractions whose sum misses 1 by 9e-9: the seed's 1 - cumsum leaves 9e-9 above 220 mm/h and its FSS
    // there would be 0 (forecast noise against no radar); prd sees no exceedance on either side: 0/0, null.
    const ml = [0.7, 0.2, 0.05, 0.04, 0.01].map((v) => Math.fround(v));
    expect(1 - ml.reduce((a, b) => a + b, 0)).toBeGreaterThan(1e-9);
    const rows = handRows.map((r) => ({ ...r, ml }));
    const tree = await score('fss', csvRelation(rows, 'rounding.csv'), { aggregations: ['members'] });
    expect(at(tree, 'fss', '220')).toEqual({ ml: null, nwp: null });
    expect(at(tree, 'fss', '10', 'ml')).toBe(0);
  });

  it('frequency bias per band: mean of per-row ratios, rows without observed fraction dropped', async () => {
    const tree = await score('frequency-bias', csvRelation(handRows, 'hand.csv'), { aggregations: ['members'] });
    expect(at(tree, 'frequency_bias', '0.0')).toEqual({ ml: (1 + 0.875) / 2, nwp: (0.5 + 0.75) / 2 });
    // Row B has no radar fraction in 0.25: its ratio is inf in the seed and dropped.
    expect(at(tree, 'frequency_bias', '0.25')).toEqual({ ml: 1, nwp: 2 });
    expect(at(tree, 'frequency_bias', '2.5')).toEqual({ ml: 0.5, nwp: 1 });
    expect(at(tree, 'frequency_bias', '7.0')).toEqual({ ml: null, nwp: null });
  });

  it('KL divergence as Keras computes it (both sides clipped to [1e-7, 1])', async () => {
    const tree = await score('kl-divergence', csvRelation(handRows, 'hand.csv'), { aggregations: ['members'] });
    const e = 1e-7;
    const rowA = 0.25 * Math.log(0.25 / 0.125) + e * Math.log(e / 0.125) + e * Math.log(e / e);
    const rowB = 1 * Math.log(1 / 0.875) + e * Math.log(e / 0.125);
    expect(at(tree, 'kl_divergence', 'ml')).toBeCloseTo((rowA + rowB) / 2, 14);
    expect(at(tree, 'kl_divergence', 'ml')).toBeCloseTo(0.1534077, 7);
  });

  it('MAE and R2 per band (R2 as sklearn r2_score)', async () => {
    const relation = csvRelation(handRows, 'hand.csv');
    const mae = await score('mae', relation, { aggregations: ['members'] });
    const r2 = await score('r2', relation, { aggregations: ['members'] });
    expect(at(mae, 'mae', '0.0')).toEqual({ ml: 0.0625, nwp: 0.25 });
    // Truth [.5, 1]: SS_tot = 1/8. ML SS_res = 1/64 -> 7/8. NWP SS_res = 1/16 + 1/16 -> 0.
    expect(at(r2, 'r2', '0.0')).toEqual({ ml: 0.875, nwp: 0 });
    // Constant truth (band 10.0 is 0 everywhere) and a perfect forecast: 1, as sklearn's force_finite gives.
    expect(at(r2, 'r2', '10.0')).toEqual({ ml: 1, nwp: 1 });
  });
});

describe('agreement with an independent computation over predictions.csv', () => {
  let rows: PredictionRow[];
  let metrics: MetricTree;
  let csvRows: PredictionRow[];
  beforeAll(async () => {
    const source = csvRelation(ensembleRows(7), 'generated.csv');
    // Round-trip through Parquet and back out to CSV as the runner does (predictions.parquet -> predictions.csv).
    const parquet = join(dir, 'test.parquet');
    await engine.toParquet(source, parquet);
    const predictions = { sql: `SELECT * FROM read_parquet(${literal(parquet)})` };
    const outDir = join(dir, 'evaluation');
    mkdirSync(outDir, { recursive: true });
    metrics = {
      ...(await score('fss', predictions, { perCell: ['members', 'ensemble_mean'] }, bandFeatures(), outDir)),
      ...(await score('frequency-bias', predictions, {}, bandFeatures(), outDir)),
    };
    await engine.toCsv(predictions, join(dir, 'predictions.csv'));
    csvRows = parsePredictionsCsv(readFileSync(join(dir, 'predictions.csv'), 'utf8'));
    rows = ensembleRows(7);
  });

  const thresholds = ['0.01', '0.5', '4', '10', '220'];
  const expectTree = (name: string, expected: { ml: number[]; nwp: number[] }) => {
    thresholds.forEach((t, k) => {
      for (const side of ['ml', 'nwp'] as const) {
        const want = expected[side][k];
        const got = at(metrics, name, t, side);
        if (Number.isNaN(want)) expect(got).toBeNull();
        else expect(Math.abs((got as number) - want)).toBeLessThan(1e-9);
      }
    });
  };

  it('predictions.csv holds the values that were scored', () => {
    expect(csvRows).toHaveLength(rows.length);
    expect(csvRows[17].ml).toEqual(rows[17].ml);
  });

  it('fss per member (all rows) agrees to 1e-9', () => {
    expectTree('fss', fssByThreshold(csvRows));
    // Not vacuous: the scores are in a sensible range and ML beats nothing trivially.
    expect(at(metrics, 'fss', '0.01', 'ml') as number).toBeGreaterThan(0.5);
  });

  it('fss of the ensemble mean averages the predictions per (time, cell), and differs from per member', () => {
    expectTree('fss_ensemble_mean', fssByThreshold(ensembleMean(csvRows)));
    expect(at(metrics, 'fss_ensemble_mean', '0.5', 'ml')).not.toBeCloseTo(at(metrics, 'fss', '0.5', 'ml') as number, 4);
  });

  it('fss of the control member uses realization 0 only', () => {
    expectTree('fss_control', fssByThreshold(csvRows.filter((r) => r.realization === 0)));
  });

  it('frequency bias agrees with the seed formula for every aggregation', () => {
    const check = (name: string, subset: PredictionRow[]) => {
      ['0.0', '0.25', '2.5', '7.0', '10.0'].forEach((band, k) => {
        const ml = seedFrequencyBias(subset.map((r) => r.truth[k]), subset.map((r) => r.ml[k]));
        expect(Math.abs((at(metrics, name, band, 'ml') as number) - ml)).toBeLessThan(1e-9);
      });
    };
    check('frequency_bias', csvRows);
    check('frequency_bias_ensemble_mean', ensembleMean(csvRows));
    check('frequency_bias_control', csvRows.filter((r) => r.realization === 0));
  });

  it('writes per-cell FSS for maps and puts the mean over cells in the metrics', () => {
    const text = readFileSync(join(dir, 'evaluation', 'fss_by_cell.csv'), 'utf8').trim().split('\n');
    expect(text[0]).toBe('aggregation,latitude,longitude,key,ml,nwp,rows');
    const cells = text.slice(1).map((l) => l.split(','));
    // 5 x 6 cells, 5 thresholds, two aggregations.
    expect(cells).toHaveLength(30 * 5 * 2);
    const one = cells.find((c) => c[0] === 'members' && Number(c[1]) === 49.40625 && Number(c[2]) === -5.484375 && c[3] === '0.01')!;
    const inCell = csvRows.filter((r) => r.latitude === 49.40625 && r.longitude === -5.484375);
    expect(Number(one[6])).toBe(inCell.length);
    expect(Math.abs(Number(one[4]) - fssByThreshold(inCell).ml[0])).toBeLessThan(1e-9);
    const perCell = cells.filter((c) => c[0] === 'members' && c[3] === '0.5' && c[4] !== '').map((c) => Number(c[4]));
    const mean = perCell.reduce((a, b) => a + b, 0) / perCell.length;
    expect(Math.abs((at(metrics, 'fss_grid_mean', '0.5', 'ml') as number) - mean)).toBeLessThan(1e-9);
  });
});

describe('targets and errors', () => {
  it('scores a regression target with MAE and R2, ML only', async () => {
    const path = join(dir, 'regression.csv');
    writeFileSync(path, 'time,realization,latitude,longitude,radar_mean_rain_instant,ml_mean_rain_instant\nt,0,50,0,1,2\nt,0,51,0,3,3\nt,1,51,0,5,4\n');
    const features: ResolvedFeatures = {
      ...bandFeatures(), task: 'regression', bands: [], targetColumns: ['radar_mean_rain_instant'], targetSources: [['radar_mean_rain_instant']],
      prefixes: { truth: 'radar_mean_rain_instant', nwp: 'mogrepsg_fraction_in_band_instant', ml: 'ml_mean_rain_instant' }, baseline: { kind: 'none' },
    };
    const relation = { sql: `SELECT * FROM read_csv(${literal(path)})` };
    expect(await score('mae', relation, { aggregations: ['members', 'control'] }, features)).toEqual({ mae: { ml: 2 / 3 }, mae_control: { ml: 0.5 } });
    // Truth [1, 3, 5]: SS_tot = 8; residuals 1, 0, 1 -> 1 - 2/8.
    expect(await score('r2', relation, { aggregations: ['members'] }, features)).toEqual({ r2: { ml: 0.75 } });
    // Errors 1, 0, 1: RMSE = sqrt(2/3).
    expect(await score('rmse', relation, { aggregations: ['members'] }, features)).toEqual({ rmse: { ml: Math.sqrt(2 / 3) } });
    await expect(score('fss', relation, {}, features)).rejects.toThrow(/"fss" cannot score a regression target: use "mae", "rmse" and "r2"/);
  });

  it('names a missing column and the nearest existing one', async () => {
    const relation = { sql: `SELECT * EXCLUDE (${JSON.stringify(ML[2])}) FROM (${csvRelation(handRows, 'hand.csv').sql})` };
    try {
      await score('fss', relation);
      expect.unreachable();
    } catch (error) {
      expect(isPrdError(error)).toBe(true);
      const issue = (error as { issues: Array<{ pointer: string; message: string; suggestion?: string }> }).issues[0];
      expect(issue).toMatchObject({ pointer: '/evaluate/0', message: `the predictions have no column "${ML[2]}"` });
      expect(issue.suggestion).toMatch(/^ml_fraction_in_band_instant_/);
    }
  });

  it('without a member column, scores all rows and warns that ensemble scores are skipped', async () => {
    const features = { ...bandFeatures(), metadata: ['time', 'latitude', 'longitude'] };
    const events = new RunEvents();
    const logs: string[] = [];
    events.on((e) => e.type === 'log' && logs.push(e.message));
    const plugin = plugins.find((p) => p.name === 'fss')!;
    const instance = (await plugin.create({ aggregations: ['members', 'ensemble_mean'], perCell: [], memberColumn: 'realization', controlMember: 0, cellColumns: ['latitude', 'longitude'] }, { ...context(), events })) as Evaluator;
    const tree = await instance.evaluate({ split: 'test', predictions: csvRelation(handRows, 'hand.csv'), features, engine });
    expect(Object.keys(tree)).toEqual(['fss']);
    expect(logs[0]).toMatch(/no "realization" column among the metadata, so no ensemble mean scores/);
  });
});
