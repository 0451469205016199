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

// The seed's binary metrics (§5.5) on six rows whose counts and ROC area are known by hand.
describe('binary evaluator', () => {
  it('counts TP, FP, TN, FN at 0.5 and computes precision, recall and the exact ROC area', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-binary-'));
    const path = join(dir, 'p.csv');
    // (truth, p): rain rows p = 0.9, 0.6, 0.3; dry rows p = 0.7, 0.2, 0.1.
    const rows = [[1, 0.9], [1, 0.6], [1, 0.3], [0, 0.7], [0, 0.2], [0, 0.1]].map(([t, p], i) => `t,0,50,${i},${t},${p}`);
    writeFileSync(path, `time,realization,latitude,longitude,raining,ml_raining\n${rows.join('\n')}\n`);
    const features = {
      metadata: ['time', 'realization', 'latitude', 'longitude'], heights: [], profile: [], singleLevel: [], task: 'binary', bands: [],
      targetColumns: ['raining'], targetSources: [['raining']], prefixes: { truth: 'raining', nwp: 'mogrepsg_fraction_in_band_instant', ml: 'ml_raining' }, baseline: { kind: 'none' },
    } as ResolvedFeatures;
    const context = { seed: 1, baseDir: dir, pointer: '/evaluate/0', events: new RunEvents(), tempDir: dir };
    const evaluator = (await plugins.find((p) => p.name === 'binary')!.create({ aggregations: ['members'], perCell: [], memberColumn: 'realization', controlMember: 0, cellColumns: ['latitude', 'longitude'] }, context)) as Evaluator;
    const tree = await evaluator.evaluate({ split: 'test', predictions: { sql: `SELECT * FROM read_csv(${literal(path)}, header = true)` }, features, engine });
    // p >= 0.5: 0.9, 0.6 (rain) and 0.7 (dry) -> TP 2, FP 1; 0.3 (rain) -> FN 1; 0.2, 0.1 (dry) -> TN 2.
    // ROC area: of the 9 (rain, dry) pairs, the rain row ranks higher in 0.9>all 3, 0.6>0.2,0.1, 0.3>0.2,0.1 -> 7/9.
    expect(tree).toEqual({
      binary: { tp: { ml: 2 }, fp: { ml: 1 }, tn: { ml: 2 }, fn: { ml: 1 }, accuracy: { ml: 4 / 6 }, precision: { ml: 2 / 3 }, recall: { ml: 2 / 3 }, auc: { ml: 7 / 9 } },
    });
    // A band score refuses a binary target, and says which scores fit.
    const fss = (await plugins.find((p) => p.name === 'fss')!.create({ aggregations: ['members'], perCell: [], memberColumn: 'realization', controlMember: 0, cellColumns: ['latitude', 'longitude'] }, context)) as Evaluator;
    await expect(fss.evaluate({ split: 'test', predictions: { sql: 'SELECT 1' }, features, engine })).rejects.toThrow('"fss" cannot score a binary target: use "binary"');
  });
});
