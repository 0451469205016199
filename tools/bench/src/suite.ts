/** One measured quantity of a benchmark, with the reference it is compared to. */
export interface BenchRow {
  /** Which suite measured it: data, training, verification, ... */
  suite: string;
  /** What was measured, for example "load + transforms + split (rows/s)". */
  name: string;
  /** Median over repetitions. */
  value: number;
  unit: string;
  /** Whether larger values are better (throughput) or smaller (time, memory). */
  better: 'higher' | 'lower';
  /** All repetitions, for spread. */
  samples: number[];
  /** The reference measured in the same run (pandas, Keras, stock tfjs, ...). */
  reference?: { name: string; value: number; samples: number[] };
  /** prd / reference, oriented so that > 1 means prd is better. */
  ratio?: number;
  /** Peak resident memory of the measured process, MiB. */
  peakMemoryMiB?: number;
  referencePeakMemoryMiB?: number;
  /** Anything a reader needs to interpret the row. */
  note?: string;
}

/** What every suite gets: the shared dataset and the Python environment. */
export interface BenchContext {
  /** Directory of the fixed synthetic dataset (CSV, written once per seed and size). */
  dataDir: string;
  /** Scratch directory for the suite. */
  workDir: string;
  /** Python interpreter of the benchmark's virtual environment ('' when no selected suite needs it). */
  python: string;
  /** Repetitions per measurement. */
  repetitions: number;
  /** Print a progress line. */
  log(message: string): void;
}

/** A benchmark suite. */
export interface BenchSuite {
  name: string;
  /** false for a suite that runs no Python reference: then the virtual environment is not installed for it. */
  python?: boolean;
  /** false for a suite that does not read the CSV benchmark dataset: then it is not written for it. */
  dataset?: boolean;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
