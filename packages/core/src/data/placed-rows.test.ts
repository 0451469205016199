import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlacedRowWriter } from './placed-rows.js';
import { TensorFile, type TensorLayout } from './tensor-file.js';

// Two inputs and one target per row.
const layout: TensorLayout = { heights: 1, profileFeatures: 1, singleLevel: 1, outputs: 1 };

/** Give `places.length` rows, row k = [k, k + 0.5, 10 k] for place places[k], in chunks of 3 as a query would. */
function give(writer: PlacedRowWriter, places: number[]): void {
  for (let start = 0; start < places.length; start += 3) {
    const ks = places.slice(start, start + 3).map((_, i) => start + i);
    const columns = [Float64Array.from(ks), Float64Array.from(ks.map((k) => k + 0.5)), Float64Array.from(ks.map((k) => 10 * k))];
    ks.forEach((k, r) => writer.put(places[k], columns, r));
  }
}

describe('PlacedRowWriter', () => {
  it('writes rows given in any order at their places, across buckets, standardised in doubles and rounded once to float32', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-placed-'));
    const path = join(dir, 'train.f32');
    const writer = new PlacedRowWriter(path, layout, 7, 3);
    const places = [6, 0, 3, 5, 1, 4, 2];
    give(writer, places);
    // Only the first value is an input to standardise: (x - 1) / 3.
    const header = writer.finish({ mean: [1], std: [3] });
    expect(header.rows).toBe(7);
    const file = TensorFile.open(path);
    const values = Array.from(file.readRows(0, 7));
    // Place p holds row k with places[k] = p.
    const expected = [0, 1, 2, 3, 4, 5, 6].flatMap((p) => {
      const k = places.indexOf(p);
      return [Math.fround((k - 1) / 3), k + 0.5, 10 * k];
    });
    expect(values).toEqual(expected);
    // The bucket files are gone.
    expect(readdirSync(dir).sort()).toEqual(['train.f32', 'train.f32.json']);
  });

  it('refuses a place given twice or left empty, and leaves no bucket files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-placed-'));
    const twice = new PlacedRowWriter(join(dir, 'a.f32'), layout, 3, 2);
    give(twice, [0, 0, 2]);
    expect(() => twice.finish({ mean: [], std: [] })).toThrow(/two rows were given for position 0|no row was given for position 1/);
    const missing = new PlacedRowWriter(join(dir, 'b.f32'), layout, 3, 2);
    give(missing, [0, 2]);
    expect(() => missing.finish({ mean: [], std: [] })).toThrow(/2 rows were given for 3 positions/);
    expect(readdirSync(dir).filter((f) => f.includes('bucket'))).toEqual([]);
    expect(() => new PlacedRowWriter(join(dir, 'c.f32'), layout, 2).put(2, [[0], [0], [0]], 0)).toThrow(/outside 0..1/);
    expect(existsSync(join(dir, 'c.f32.bucket-0'))).toBe(false);
  });
});
