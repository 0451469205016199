import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataEngine } from '../../data/engine.js';
import type { ResolvedFeatures } from '../../data/features.js';
import { writeTensorFile } from '../../data/tensor-export.js';
import { TensorFile } from '../../data/tensor-file.js';
import type { PreparedData } from '../context.js';
import type { Preprocessing } from '../preprocessing.js';
import { runScale } from './scale.js';
import { splitRelation, writeSplitLabels } from './split-labels.js';

// Metadata (t, cell), two single-level inputs and one regression target.
const features = {
  task: 'regression',
  metadata: ['t', 'cell'],
  heights: [],
  profile: [],
  singleLevel: ['a', 'b'],
  targetSources: [['y']],
  targetColumns: ['y'],
  bands: [],
  prefixes: {},
  baseline: { kind: 'none' },
} as unknown as ResolvedFeatures;

let engine: DataEngine;
beforeAll(async () => {
  engine = await DataEngine.open({ threads: 2 });
});
afterAll(() => engine.close());

/** 500 rows in a scrambled order; a third go to validation and test by t, the rest to training. */
const rows = Array.from({ length: 500 }, (_, i) => {
  const k = (i * 7919) % 500;
  return `(${k % 50}, ${Math.floor(k / 50)}, ${1000 + Math.sin(k) * 0.5}::DOUBLE, ${k * 0.37 - 20}::DOUBLE, ${Math.cos(k)}::DOUBLE, ${k % 2 === 0 ? "'x'" : "'y'"})`;
});
const data: PreparedData = { sql: `SELECT * FROM (VALUES ${rows.join(', ')}) v(t, cell, a, b, y, other)`, features, fingerprint: 'f', description: 'test rows' };
const assigned = { sql: `SELECT *, CASE WHEN t < 34 THEN 'train' WHEN t < 42 THEN 'validation' ELSE 'test' END AS split FROM (${data.sql})` };

describe('the scale step', () => {
  it('writes each split as the SQL standardisation of its rows would, in the seeded order, from one pass', async () => {
    const splitDir = mkdtempSync(join(tmpdir(), 'prd-split-'));
    const outDir = mkdtempSync(join(tmpdir(), 'prd-scale-'));
    await writeSplitLabels(engine, assigned, features, splitDir);
    const summary = await runScale({ engine, seed: 7 }, data, splitDir, undefined, outDir);
    expect(summary.rows).toEqual({ train: 340, validation: 80, test: 80 });

    // The scaler is the training rows' mean and population std, as DuckDB computes them.
    const { scaler } = JSON.parse(readFileSync(join(outDir, 'preprocessing.json'), 'utf8')) as Preprocessing;
    const [fit] = await engine.rows<Record<string, number>>(`SELECT avg(a) AS ma, stddev_pop(a) AS sa, avg(b) AS mb, stddev_pop(b) AS sb FROM (${splitRelation(data, splitDir, 'train').sql})`);
    expect(scaler.mean[0]).toBeCloseTo(fit.ma, 12);
    expect(scaler.std[0]).toBeCloseTo(fit.sa, 12);
    expect(scaler.mean[1]).toBeCloseTo(fit.mb, 12);
    expect(scaler.std[1]).toBeCloseTo(fit.sb, 12);

    // Each file equals the straightforward query: the split's rows standardised by that scaler, sorted.
    const columns = [
      { expr: `(a - ${scaler.mean[0]}::DOUBLE) / ${scaler.std[0]}::DOUBLE` },
      { expr: `(b - ${scaler.mean[1]}::DOUBLE) / ${scaler.std[1]}::DOUBLE` },
      { expr: 'y' },
    ];
    const layout = { heights: 0, profileFeatures: 0, singleLevel: 2, outputs: 1 };
    const expectedDir = mkdtempSync(join(tmpdir(), 'prd-expected-'));
    for (const [split, order] of [['train', 'hash(__row, 7), __row'], ['validation', '__row'], ['test', '__row']] as const) {
      const expected = await writeTensorFile(engine, splitRelation(data, splitDir, split), columns, layout, join(expectedDir, split), order);
      const file = TensorFile.open(join(outDir, `${split}.f32`));
      expect(file.rows).toBe(expected.rows);
      expect(Array.from(file.readRows(0, file.rows))).toEqual(Array.from(TensorFile.open(join(expectedDir, split)).readRows(0, expected.rows)));
    }
    // The metadata files hold the validation and test rows in the same order, and no bucket file is left behind.
    const meta = await engine.rows<{ t: number; cell: number }>(`SELECT t, cell FROM read_parquet('${join(outDir, 'validation.meta.parquet')}')`);
    expect(meta.map((r) => [Number(r.t), Number(r.cell)]).slice(0, 3)).toEqual([[34, 0], [34, 1], [34, 2]]);
    expect(readdirSync(outDir).filter((f) => f.includes('bucket'))).toEqual([]);
  });

  it('refuses labels the data no longer has', async () => {
    const splitDir = mkdtempSync(join(tmpdir(), 'prd-split-'));
    await writeSplitLabels(engine, assigned, features, splitDir);
    const fewer: PreparedData = { ...data, sql: `SELECT * FROM (${data.sql}) WHERE NOT (t = 3 AND cell = 4)` };
    await expect(runScale({ engine, seed: 7 }, fewer, splitDir, undefined, mkdtempSync(join(tmpdir(), 'prd-scale-')))).rejects.toThrow(/labelled 340 train rows but 339 were found/);
  });
});
