import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataEngine } from '../../data/engine.js';
import type { ResolvedFeatures } from '../../data/features.js';
import type { PreparedData } from '../context.js';
import { checkSplitRows, readSplitLabels, splitRelation, writeSplitLabels } from './split-labels.js';

// Metadata (t, cell), one input x and one target y; `requiredColumns` reads only these fields.
const features = {
  metadata: ['t', 'cell'],
  profile: [],
  singleLevel: ['x'],
  targetSources: [['y']],
  baseline: { kind: 'none' },
} as unknown as ResolvedFeatures;

let engine: DataEngine;
beforeAll(async () => {
  engine = await DataEngine.open({ threads: 2 });
});
afterAll(() => engine.close());

/** Rows given out of metadata order, labelled by the value of x. */
function data(values: string): PreparedData {
  return { sql: `SELECT * FROM (VALUES ${values}) v(t, cell, x, y, other)`, features, fingerprint: 'f', description: 'test rows' };
}
const assigned = (d: PreparedData) => ({ sql: `SELECT *, CASE WHEN x < 10 THEN 'train' WHEN x < 20 THEN 'validation' ELSE 'test' END AS split FROM (${d.sql})` });

async function read(d: PreparedData, dir: string, split?: 'train' | 'validation' | 'test') {
  return engine.rows<{ x: number; __row: bigint; split?: string }>(`SELECT * FROM (${splitRelation(d, dir, split).sql}) ORDER BY __row`);
}

describe('split labels', () => {
  it('record one label per row and read the rows back from the data, numbered in metadata order', async () => {
    const d = data(`(2, 1, 1.0, 0.1, 'a'), (1, 2, 11.0, 0.2, 'b'), (1, 1, 2.0, 0.3, 'c'), (3, 1, 21.0, 0.4, 'd'), (2, 2, 3.0, 0.5, 'e')`);
    const dir = mkdtempSync(join(tmpdir(), 'prd-labels-'));
    const labels = await writeSplitLabels(engine, assigned(d), features, dir);
    expect(labels.counts).toEqual({ train: 3, validation: 1, test: 1 });
    expect(labels.identity).toEqual(['t', 'cell']);
    expect(readSplitLabels(dir)).toEqual(labels);
    // Metadata order: (1,1) x=2, (1,2) x=11, (2,1) x=1, (2,2) x=3, (3,1) x=21.
    const train = await read(d, dir, 'train');
    expect(train.map((r) => [Number(r.x), Number(r.__row)])).toEqual([[2, 0], [1, 2], [3, 3]]);
    // Only the columns the run reads come back, not the others of the data.
    expect(Object.keys(train[0]).sort()).toEqual(['__row', 'cell', 't', 'x', 'y']);
    const all = await read(d, dir);
    expect(all.map((r) => r.split)).toEqual(['train', 'validation', 'train', 'train', 'test']);
  });

  it('tell rows with the same metadata apart by every column the run reads', async () => {
    const d = data(`(1, 1, 5.0, 0.1, 'a'), (1, 1, 4.0, 0.1, 'b'), (0, 1, 15.0, 0.0, 'c')`);
    const dir = mkdtempSync(join(tmpdir(), 'prd-labels-'));
    const labels = await writeSplitLabels(engine, assigned(d), features, dir);
    expect(labels.identity).toEqual(['t', 'cell', 'x', 'y']);
    const rows = await read(d, dir);
    expect(rows.map((r) => Number(r.__row))).toEqual([0, 1, 2]);
    expect(rows.map((r) => Number(r.x)).slice(1).sort()).toEqual([4, 5]);
    expect(rows[0].split).toBe('validation');
  });

  it('number rows that repeat another in every column the run reads, so each label takes one copy', async () => {
    const d = data(`(1, 1, 5.0, 0.1, 'a'), (1, 1, 5.0, 0.1, 'b'), (1, 1, 15.0, 0.1, 'c'), (1, 1, 15.0, 0.1, 'd'), (1, 1, 15.0, 0.1, 'e')`);
    const dir = mkdtempSync(join(tmpdir(), 'prd-labels-'));
    const labels = await writeSplitLabels(engine, assigned(d), features, dir);
    expect(labels.repeats).toBe(3);
    expect(labels.counts).toEqual({ train: 2, validation: 3, test: 0 });
    const rows = await read(d, dir);
    expect(rows.map((r) => Number(r.__row))).toEqual([0, 1, 2, 3, 4]);
    expect(rows.map((r) => `${r.split} ${Number(r.x)}`).sort()).toEqual(['train 5', 'train 5', 'validation 15', 'validation 15', 'validation 15']);
    expect(await read(d, dir, 'validation')).toHaveLength(3);
  });

  it('find fewer rows when the data no longer fits the labels, which the scale step reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-labels-'));
    const labels = await writeSplitLabels(engine, assigned(data(`(1, 1, 1.0, 0.1, 'a'), (2, 1, 2.0, 0.1, 'b')`)), features, dir);
    const changed = await read(data(`(1, 1, 1.0, 0.1, 'a'), (3, 1, 2.0, 0.1, 'b')`), dir, 'train');
    expect(changed).toHaveLength(1);
    expect(() => checkSplitRows('train', labels.counts.train, changed.length)).toThrow(/labelled 2 train rows but 1 were found/);
  });
});
