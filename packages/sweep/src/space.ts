import type { Distribution } from './schema.js';

/** A trial's values, by recipe path. */
export type Params = Record<string, unknown>;

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.928510446969, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q0 = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  if (q0 < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(q0));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (q0 > 1 - 0.02425) return -normalQuantile(1 - q0);
  const q = q0 - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Round to a multiple of q, without binary noise such as 0.30000000000000004. */
function quantize(x: number, q: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(q)) + 6);
  return Number((Math.round(x / q) * q).toFixed(Math.min(decimals, 15)));
}

/** Number of discrete values of a finite distribution, or undefined for a continuous one. */
export function finiteSize(d: Distribution): number | undefined {
  switch (d.distribution) {
    case 'choice':
      return d.values.length;
    case 'randint':
      return Math.max(0, d.upper - (d.lower ?? 0));
    case 'quniform':
      return finiteValues(d)!.length;
    default:
      return undefined;
  }
}

/** Every value of a finite distribution, in order (grid search), or undefined for a continuous one. */
export function finiteValues(d: Distribution): unknown[] | undefined {
  switch (d.distribution) {
    case 'choice':
      return d.values;
    case 'randint':
      return Array.from({ length: Math.max(0, d.upper - (d.lower ?? 0)) }, (_, i) => (d.lower ?? 0) + i);
    case 'quniform': {
      const out: number[] = [];
      for (let k = Math.round(d.min / d.q); k <= Math.round(d.max / d.q); k++) out.push(quantize(k * d.q, d.q));
      return out;
    }
    default:
      return undefined;
  }
}

/**
 * The value at unit coordinate `u` in [0, 1): every sampler draws points of the unit cube and maps them through
 * the distributions' quantile functions, so one mapping serves random, Sobol and TPE alike.
 */
export function fromUnit(d: Distribution, u: number): unknown {
  const v = Math.min(Math.max(u, 0), 1 - 1e-12);
  switch (d.distribution) {
    case 'choice':
      return d.values[Math.floor(v * d.values.length)];
    case 'randint':
      return (d.lower ?? 0) + Math.floor(v * (d.upper - (d.lower ?? 0)));
    case 'uniform':
      return d.min + v * (d.max - d.min);
    case 'loguniform':
      return Math.exp(Math.log(d.min) + v * (Math.log(d.max) - Math.log(d.min)));
    case 'quniform':
      return quantize(d.min + v * (d.max - d.min), d.q);
    case 'qloguniform':
      return quantize(Math.exp(Math.log(d.min) + v * (Math.log(d.max) - Math.log(d.min))), d.q);
    case 'normal':
      return d.mu + d.sigma * normalQuantile(v);
  }
}

/** Whether the model-based sampler should treat a dimension as categories rather than an ordered axis. */
export function isCategorical(d: Distribution): boolean {
  return d.distribution === 'choice';
}

/**
 * Values worth checking against the recipe schema before anything runs: the ends of the range, a value inside it
 * (which catches a float drawn for an integer option) and every choice. Normal distributions are checked at
 * mu +- 4 sigma, which a sweep of a few hundred trials essentially never exceeds.
 */
export function valuesToCheck(d: Distribution): Array<{ value: unknown; label: string }> {
  switch (d.distribution) {
    case 'choice':
      return d.values.map((value, i) => ({ value, label: `choice ${i + 1}` }));
    case 'randint':
      return [
        { value: d.lower ?? 0, label: 'lowest' },
        { value: d.upper - 1, label: 'highest' },
      ];
    case 'normal':
      return [
        { value: d.mu - 4 * d.sigma, label: 'mu - 4 sigma' },
        { value: fromUnit(d, 0.37), label: 'a draw' },
        { value: d.mu + 4 * d.sigma, label: 'mu + 4 sigma' },
      ];
    case 'quniform':
    case 'qloguniform':
      return [
        { value: fromUnit(d, 0), label: 'lowest' },
        { value: fromUnit(d, 0.37), label: 'a draw' },
        { value: fromUnit(d, 1), label: 'highest' },
      ];
    default:
      return [
        { value: d.min, label: 'min' },
        { value: fromUnit(d, 0.37), label: 'a draw' },
        { value: d.max, label: 'max' },
      ];
  }
}

/** `--set` assignments that put a trial's values into the recipe. */
export function setAssignments(params: Params): string[] {
  return Object.entries(params).map(([path, value]) => `${path}=${JSON.stringify(value)}`);
}

/** A short display of a value (tables, summaries). */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    const abs = Math.abs(value);
    return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(2) : String(Number(value.toPrecision(4)));
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
