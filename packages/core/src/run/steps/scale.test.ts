import { describe, expect, it } from 'vitest';
import { ColumnMoments } from '../../data/column-moments.js';
import { isPrdError } from '../../errors.js';

/** Moments of `rows` (row-major) over columns `names`, added in chunks of `chunk` rows as a stream gives them. */
function momentsOf(names: string[], rows: number[][], chunk = 2): ColumnMoments {
  const moments = new ColumnMoments(names);
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk);
    const columns = names.map((_, c) => Float64Array.from(part.map((r) => r[c])));
    moments.add(columns, Int32Array.from(part.keys()), part.length);
  }
  return moments;
}

describe('the scaler fitted from streamed moments', () => {
  it("is sklearn StandardScaler's mean and population std (ddof 0), with std 1 for a constant column", () => {
    const { mean, std } = momentsOf(['a', 'b', 'c'], [[1, 5, 0.1], [2, 5, 0.1], [3, 5, 0.1], [4, 5, 0.1]]).standardisation();
    // sklearn: StandardScaler().fit([[1,5,.1],[2,5,.1],[3,5,.1],[4,5,.1]]) -> mean_ [2.5, 5, 0.1], scale_ [1.118033988749895, 1, 1].
    expect(mean[0]).toBe(2.5);
    expect(mean[1]).toBe(5);
    expect(mean[2]).toBeCloseTo(0.1, 15);
    expect(std[0]).toBeCloseTo(Math.sqrt(1.25), 14);
    expect(std.slice(1)).toEqual([1, 1]);
  });

  it('keeps the variance of a column whose spread is small against its size', () => {
    // Pressures around 1e5 Pa varying by 0.01: a plain sum of squares loses every digit of this variance.
    const rows = Array.from({ length: 1000 }, (_, i) => [100_000 + (i % 2 === 0 ? 0.01 : -0.01)]);
    const { mean, std } = momentsOf(['p'], rows, 64).standardisation();
    expect(mean[0]).toBeCloseTo(100_000, 9);
    expect(std[0]).toBeCloseTo(0.01, 9);
  });

  it('only counts the rows it is given (a chunk holds rows of every split)', () => {
    const moments = new ColumnMoments(['a']);
    moments.add([Float64Array.from([1, 100, 3])], Int32Array.from([0, 2, 0]), 2);
    expect(moments.standardisation()).toEqual({ mean: [2], std: [1] });
  });

  it('names the columns with missing values', () => {
    const error = (() => {
      try {
        return momentsOf(['a', 'b'], [[1, NaN], [Infinity, 2]]).standardisation();
      } catch (e) {
        return e;
      }
    })();
    expect(isPrdError(error)).toBe(true);
    expect((error as { issues: Array<{ dataColumn: string; message: string }> }).issues.map((i) => [i.dataColumn, i.message.slice(0, 21)])).toEqual([
      ['a', '1 training rows have '],
      ['b', '1 training rows have '],
    ]);
  });

  it('names the columns whose values are too large to square', () => {
    expect(() => momentsOf(['ok', 'big'], [[1, 1e300], [2, -1e300]]).standardisation()).toThrow(/values too large to standardise/);
  });
});
