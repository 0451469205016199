import { median, type BenchRow } from '../suite.js';

/** The training sides of the parity suite: a runtime and its worker threads besides the main one. */
export const PARITY_SIDES = [
  { name: 'fused', runtime: 'fused', workers: 0 },
  { name: 'fused x2', runtime: 'fused', workers: 1 },
  { name: 'tfjs', runtime: 'tfjs', workers: 0 },
  { name: 'tfjs x2', runtime: 'tfjs', workers: 1 },
] as const;

export type ParitySide = (typeof PARITY_SIDES)[number]['name'];

/** The test scores compared, by their path in `prd run --json`'s `metrics.test`. */
export const PARITY_SCORES = [
  { name: 'ML KL divergence', path: ['kl_divergence', 'ml'] },
  { name: 'ML FSS > 4 mm/h', path: ['fss', '4', 'ml'] },
  { name: 'ML FSS > 10 mm/h', path: ['fss', '10', 'ml'] },
] as const;

/** One quickstart run's test scores (in PARITY_SCORES order). */
export interface ParityRun {
  seed: number;
  side: ParitySide;
  scores: number[];
}

/** A score of `run.json`'s test metrics at `path`; throws naming it when it is not a number. */
export function scoreAt(testMetrics: unknown, path: readonly string[]): number {
  const value = path.reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), testMetrics);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`the run's test metrics have no number at ${path.join('.')}`);
  return value;
}

const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
const fixed = (value: number) => value.toFixed(4);

/**
 * Rows of the parity suite: for each score, the median over seeds of |fused - tfjs| (same seed, so same data,
 * initial weights and batches), against the median of |tfjs on 2 threads - tfjs|, which differ only in the order
 * of floating-point sums. A ratio >= 1 says the fused step moves the scores no further than tfjs' own arithmetic does.
 */
export function parityRows(runs: ParityRun[]): BenchRow[] {
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  const score = (side: ParitySide, seed: number, i: number) => {
    const run = runs.find((r) => r.side === side && r.seed === seed);
    if (!run) throw new Error(`parity: no ${side} run for seed ${seed}`);
    return run.scores[i];
  };
  return PARITY_SCORES.map((s, i) => {
    const gaps = (a: ParitySide, b: ParitySide) => seeds.map((seed) => Math.abs(score(a, seed, i) - score(b, seed, i)));
    const fusedGap = gaps('fused', 'tfjs');
    const sumOrder = gaps('tfjs x2', 'tfjs');
    const fusedOrder = gaps('fused x2', 'fused');
    const means = PARITY_SIDES.map((side) => `${side.name} ${fixed(mean(seeds.map((seed) => score(side.name, seed, i))))}`).join(', ');
    const value = median(fusedGap);
    const reference = median(sumOrder);
    return {
      suite: 'parity',
      name: `quickstart test ${s.name}: |fused - tfjs| per seed`,
      value,
      unit: 'abs. difference',
      better: 'lower',
      samples: fusedGap,
      reference: { name: '|tfjs x2 - tfjs| (sum order only)', value: reference, samples: sumOrder },
      ratio: value > 0 ? reference / value : undefined,
      note:
        `${seeds.length} seeds; largest |fused - tfjs| ${fixed(Math.max(...fusedGap))}, |tfjs x2 - tfjs| ${fixed(Math.max(...sumOrder))}, ` +
        `|fused x2 - fused| median ${fixed(median(fusedOrder))}; mean over seeds: ${means}`,
    } satisfies BenchRow;
  });
}
