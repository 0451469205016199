import { PrdError, type Issue } from '../errors.js';

/** Values this large overflow a variance (their squares exceed the largest double). */
const HUGE = 1e150;

/** A standardisation: each column becomes (x - mean) / std. */
export interface Standardisation {
  mean: number[];
  std: number[];
}

/**
 * Running mean and variance of named columns, accumulated chunk by chunk as rows stream past. Sums are taken about
 * each column's first value (the shifted-data method), which keeps the variance accurate for columns whose spread
 * is small against their size (pressures, heights). Non-finite values are counted as missing, never summed.
 */
export class ColumnMoments {
  private readonly shift: Float64Array;
  private readonly sum: Float64Array;
  private readonly squares: Float64Array;
  private readonly finite: Float64Array;
  private readonly huge: Float64Array;
  private readonly shifted: Uint8Array;
  /** Rows seen. */
  rows = 0;

  constructor(readonly columns: string[]) {
    const n = columns.length;
    [this.shift, this.sum, this.squares, this.finite, this.huge] = [0, 0, 0, 0, 0].map(() => new Float64Array(n));
    this.shifted = new Uint8Array(n);
  }

  /** Add the rows at `indices` (the first `count` of them) of one chunk; `values[c]` holds column c's values. */
  add(values: ArrayLike<number>[], indices: Int32Array, count: number): void {
    for (let c = 0; c < this.columns.length; c++) {
      const items = values[c];
      let shift = this.shift[c];
      let sum = 0;
      let squares = 0;
      let finite = 0;
      let huge = 0;
      for (let k = 0; k < count; k++) {
        const x = items[indices[k]];
        if (!Number.isFinite(x)) continue;
        if (!this.shifted[c]) {
          shift = this.shift[c] = x;
          this.shifted[c] = 1;
        }
        const d = x - shift;
        sum += d;
        squares += d * d;
        finite++;
        if (Math.abs(x) > HUGE) huge++;
      }
      this.sum[c] += sum;
      this.squares[c] += squares;
      this.finite[c] += finite;
      this.huge[c] += huge;
    }
    this.rows += count;
  }

  /**
   * Mean and population std (ddof 0) of each column, as sklearn's StandardScaler fits them. A column whose variance
   * is within rounding of zero gets std 1, with sklearn's test for a constant feature
   * (`var <= n eps var + (n mean eps)^2`), so a constant column is centred, not blown up. Missing values, and values
   * too large to square, are a PrdError naming the columns and the transform that removes them.
   */
  standardisation(what = 'training rows'): Standardisation {
    const n = this.rows;
    const missing: Issue[] = [];
    const tooLarge: Issue[] = [];
    const mean: number[] = [];
    const std: number[] = [];
    const eps = Number.EPSILON;
    this.columns.forEach((c, i) => {
      const absent = n - this.finite[i];
      if (absent > 0) missing.push({ dataColumn: c, message: `${absent} ${what} have no value (NULL, NaN or infinite) in column "${c}"; add { "use": "drop-missing" } to data.transforms (with { "infinite": true } to drop infinite values too)` });
      const m = this.sum[i] / n;
      const v = Math.max(0, this.squares[i] / n - m * m);
      if (!Number.isFinite(this.squares[i]) && this.huge[i] > 0) {
        tooLarge.push({ dataColumn: c, message: `${this.huge[i]} ${what} hold a value beyond ±${HUGE} in column "${c}", too large to standardise; remove them, for example with { "use": "range", "with": { "column": "${c}", "atMost": 1e30, "atLeast": -1e30 } }` });
      }
      const centre = this.shift[i] + m;
      mean.push(centre);
      const constant = !Number.isFinite(v) || v <= n * eps * v + (n * centre * eps) ** 2;
      std.push(constant ? 1 : Math.sqrt(v));
    });
    if (missing.length > 0) throw new PrdError('the training data has missing values', missing);
    if (tooLarge.length > 0) throw new PrdError('the training data has values too large to standardise', tooLarge);
    return { mean, std };
  }
}
