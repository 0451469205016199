import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/plugins.js';
import { TensorFile, TensorFileWriter } from './tensor-file.js';

const layout = { heights: 2, profileFeatures: 2, singleLevel: 1, outputs: 2 };

/** Row r holds the values r*10 + column, so every value says where it came from. */
function writeRows(rows: number): string {
  const path = join(tempDir(), 'rows.f32');
  const writer = new TensorFileWriter(path, layout);
  const values = new Float32Array(rows * writer.width);
  for (let r = 0; r < rows; r++) for (let c = 0; c < writer.width; c++) values[r * writer.width + c] = r * 10 + c;
  writer.append(values.subarray(0, 3 * writer.width), 3);
  writer.append(values.subarray(3 * writer.width), rows - 3);
  writer.close();
  return path;
}

describe('TensorFile', () => {
  it('splits rows into profile, single-level and target arrays in file order', () => {
    const file = TensorFile.open(writeRows(5));
    expect(file.rows).toBe(5);
    const batches = [...file.batches({ batchSize: 2 })];
    expect(batches.map((b) => b.size)).toEqual([2, 2, 1]);
    expect([...batches[0].profile]).toEqual([0, 1, 2, 3, 10, 11, 12, 13]);
    expect([...batches[0].singleLevel]).toEqual([4, 14]);
    expect([...batches[0].target]).toEqual([5, 6, 15, 16]);
    expect([...batches[2].target]).toEqual([45, 46]);
  });

  it('shuffles by seed: every row exactly once, the same order for the same seed, another for another seed', () => {
    const file = TensorFile.open(writeRows(103));
    const order = (seed: number) => [...file.batches({ batchSize: 8, shuffleSeed: seed, blockRows: 16 })].flatMap((b) => Array.from({ length: b.size }, (_, i) => b.target[i * 2] / 10 - 0.5));
    const first = order(1);
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect(order(1)).toEqual(first);
    expect(order(2)).not.toEqual(first);
    // Blocks are 16 rows but batches stay full-sized: only the very last batch is short.
    const sizes = [...file.batches({ batchSize: 8, shuffleSeed: 1, blockRows: 16 })].map((b) => b.size);
    expect(sizes.slice(0, -1).every((s) => s === 8)).toBe(true);
    expect(sizes.at(-1)).toBe(103 % 8);
  });

  it('reads a prefix with limit', () => {
    const file = TensorFile.open(writeRows(10));
    expect([...file.batches({ batchSize: 4, limit: 6 })].map((b) => b.size)).toEqual([4, 2]);
  });
});
