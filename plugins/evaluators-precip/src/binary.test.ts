import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataEngine, literal, RunEvents, type Evaluator, type ResolvedFeatures } from '@prd/core';
import plugins from './index.js';

let engine: DataEngine;
beforeAll(async () => {
  engine = await DataEngine.open();
});
afterAll(() => engine.close());

const FEATURES = {
  metadata: ['time', 'realization', 'latitude', 'longitude'], heights: [], profile: [], singleLevel: [], task: 'binary', bands: [],
  targetColumns: ['raining'], targetSources: [['raining']], prefixes: { truth: 'raining', nwp: 'mogrepsg_fraction_in_band_instant', ml: 'ml_raining' }, baseline: { kind: 'none' },
} as ResolvedFeatures;

// The seed's binary metrics (§5.5) on six rows whose counts and ROC area are known by hand.
describe('binary evaluator', () => {
  it('counts TP, FP, TN, FN at 0.5 and computes precision, recall and the exact ROC area', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-binary-'));
    const path = join(dir, 'p.csv');
    // (truth, p): rain rows p = 0.9, 0.6, 0.3; dry rows p = 0.7, 0.2, 0.1.
    const rows = [[1, 0.9], [1, 0.6], [1, 0.3], [0, 0.7], [0, 0.2], [0, 0.1]].map(([t, p], i) => `t,0,50,${i},${t},${p}`);
    writeFileSync(path, `time,realization,latitude,longitude,raining,ml_raining\n${rows.join('\n')}\n`);
    const features = FEATURES;
    const context = { seed: 1, baseDir: dir, pointer: '/evaluate/0', events: new RunEvents(), tempDir: dir };
    const evaluator = (await plugins.find((p) => p.name === 'binary')!.create({ aggregations: ['members'], perCell: [], memberColumn: 'realization', controlMember: 0, cellColumns: ['latitude', 'longitude'] }, context)) as Evaluator;
    const tree = await evaluator.evaluate({ split: 'test', predictions: { sql: `SELECT * FROM read_csv(${literal(path)}, header = true)` }, features, engine });
    // p >= 0.5: 0.9, 0.6 (rain) and 0.7 (dry) -> TP 2, FP 1; 0.3 (rain) -> FN 1; 0.2, 0.1 (dry) -> TN 2.
    // ROC area: of the 9 (rain, dry) pairs, the rain row ranks higher in 0.9>all 3, 0.6>0.2,0.1, 0.3>0.2,0.1 -> 7/9.
    // Average precision: by p descending 0.9 R, 0.7 D, 0.6 R, 0.3 R, 0.2 D, 0.1 D; each rain row adds a third of the
    // recall at the precision of its threshold: 1/1, 2/3, 3/4 -> (1 + 2/3 + 3/4) / 3 = 29/36.
    expect(tree).toEqual({
      binary: { tp: { ml: 2 }, fp: { ml: 1 }, tn: { ml: 2 }, fn: { ml: 1 }, accuracy: { ml: 4 / 6 }, precision: { ml: 2 / 3 }, recall: { ml: 2 / 3 }, auc: { ml: 7 / 9 }, average_precision: { ml: expect.closeTo(29 / 36, 12) } },
    });
    // A band score refuses a binary target, and says which scores fit.
    const fss = (await plugins.find((p) => p.name === 'fss')!.create({ aggregations: ['members'], perCell: [], memberColumn: 'realization', controlMember: 0, cellColumns: ['latitude', 'longitude'] }, context)) as Evaluator;
    await expect(fss.evaluate({ split: 'test', predictions: { sql: 'SELECT 1' }, features, engine })).rejects.toThrow('"fss" cannot score a binary target: use "binary"');
  });

  it('computes the average precision with tied predictions as sklearn does (one threshold per distinct value)', async () => {
    const score = async (rows: number[][]) => (await binaryTree(rows)).average_precision;
    // p 0.8: R, D (tied); 0.5: R, D, D (tied); 0.2: R. Thresholds 0.8, 0.5, 0.2 each add a third of the recall, at
    // precisions 1/2, 2/5 and 3/6: (1/2 + 2/5 + 1/2) / 3 = 7/15. Ranking rain first within ties would give 1 at 0.8.
    expect(await score([[1, 0.8], [0, 0.8], [1, 0.5], [0, 0.5], [0, 0.5], [1, 0.2]])).toEqual({ ml: expect.closeTo(7 / 15, 12) });
    // Every row tied: one threshold with precision = the rain rate, 2/5.
    expect(await score([[1, 0.3], [0, 0.3], [1, 0.3], [0, 0.3], [0, 0.3]])).toEqual({ ml: expect.closeTo(2 / 5, 12) });
    // A perfect ranking scores 1; no rain rows at all leaves it undefined (null), as the ROC area.
    expect(await score([[1, 0.9], [1, 0.8], [0, 0.1]])).toEqual({ ml: 1 });
    expect(await score([[0, 0.9], [0, 0.1]])).toEqual({ ml: null });
  });

  it('ranks within each cell for per-cell ROC and precision-recall areas', async () => {
    // Cell (50, 0): rain 0.9, dry 0.1 -> ROC area 1, average precision 1. Cell (50, 1): rain 0.2, dry 0.8 -> ROC area
    // 0, average precision 1/2 (the rain row's threshold 0.2 takes both rows). Ranked over all rows instead, cell
    // (50, 0)'s rain row would rank 4th of 4 and its "ROC area" come out 3.
    const dir = mkdtempSync(join(tmpdir(), 'prd-binary-'));
    const path = join(dir, 'p.csv');
    writeFileSync(path, 'time,realization,latitude,longitude,raining,ml_raining\nt,0,50,0,1,0.9\nt,0,50,0,0,0.1\nt,0,50,1,1,0.2\nt,0,50,1,0,0.8\n');
    const context = { seed: 1, baseDir: dir, pointer: '/evaluate/0', events: new RunEvents(), tempDir: dir };
    const evaluator = (await plugins.find((p) => p.name === 'binary')!.create({ aggregations: ['members'], perCell: ['members'], memberColumn: 'realization', controlMember: 0, cellColumns: ['latitude', 'longitude'] }, context)) as Evaluator;
    const tree = await evaluator.evaluate({ split: 'test', predictions: { sql: `SELECT * FROM read_csv(${literal(path)}, header = true)` }, features: FEATURES, engine });
    const gridMean = tree.binary_grid_mean as Record<string, { ml: number }>;
    expect(gridMean.auc.ml).toBeCloseTo((1 + 0) / 2, 12);
    expect(gridMean.average_precision.ml).toBeCloseTo((1 + 1 / 2) / 2, 12);
    // Over all four rows the ranking is global: 3 of the 4 (rain, dry) pairs are in order.
    expect((tree.binary as Record<string, { ml: number }>).auc.ml).toBeCloseTo(3 / 4, 12);
  });
});

/** The binary evaluator's tree for (truth, p) rows, one member each. */
async function binaryTree(rows: number[][]): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'prd-binary-'));
  const path = join(dir, 'p.csv');
  writeFileSync(path, `time,realization,latitude,longitude,raining,ml_raining\n${rows.map(([t, p], i) => `t,0,50,${i},${t},${p}`).join('\n')}\n`);
  const context = { seed: 1, baseDir: dir, pointer: '/evaluate/0', events: new RunEvents(), tempDir: dir };
  const evaluator = (await plugins.find((p) => p.name === 'binary')!.create({ aggregations: ['members'], perCell: [], memberColumn: 'realization', controlMember: 0, cellColumns: ['latitude', 'longitude'] }, context)) as Evaluator;
  const tree = await evaluator.evaluate({ split: 'test', predictions: { sql: `SELECT * FROM read_csv(${literal(path)}, header = true)` }, features: FEATURES, engine });
  return tree.binary as Record<string, unknown>;
}
