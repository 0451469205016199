import { SeededRandom, type TensorFile } from '@prd/core';

/** Rows of a tensor file in memory: standardised inputs and targets, as the model sees them. */
export interface Sample {
  /** Row numbers in the tensor file, ascending. */
  rows: number[];
  size: number;
  heights: number;
  profileFeatures: number;
  singleLevel: number;
  outputs: number;
  /** size x heights x profileFeatures. */
  profile: Float32Array;
  /** size x singleLevel. */
  single: Float32Array;
  /** size x outputs. */
  target: Float32Array;
}

/**
 * At most `maxRows` rows of a tensor file: all of them when it is small enough, else a seeded random subset in
 * file order. Read block by block, so memory stays bounded by the sample.
 */
export function sampleRows(file: TensorFile, maxRows: number, seed: number): Sample {
  const total = file.rows;
  if (total <= maxRows) return readRowsAt(file, Array.from({ length: total }, (_, i) => i));
  const all = Array.from({ length: total }, (_, i) => i);
  new SeededRandom(seed).shuffle(all);
  return readRowsAt(file, all.slice(0, maxRows));
}

/** The given rows of a tensor file (sorted ascending, duplicates dropped), read block by block. */
export function readRowsAt(file: TensorFile, wanted: number[]): Sample {
  const { heights, profileFeatures, singleLevel, outputs, rows: total } = file.header;
  const rows = [...new Set(wanted)].sort((a, b) => a - b);
  const p = heights * profileFeatures;
  const sample: Sample = {
    rows,
    size: rows.length,
    heights,
    profileFeatures,
    singleLevel,
    outputs,
    profile: new Float32Array(rows.length * p),
    single: new Float32Array(rows.length * singleLevel),
    target: new Float32Array(rows.length * outputs),
  };
  const block = 16_384;
  let next = 0;
  for (let start = 0; start < total && next < rows.length; start += block) {
    const count = Math.min(block, total - start);
    if (rows[next] >= start + count) continue;
    const data = file.readRows(start, count);
    while (next < rows.length && rows[next] < start + count) {
      const base = (rows[next] - start) * file.width;
      sample.profile.set(data.subarray(base, base + p), next * p);
      sample.single.set(data.subarray(base + p, base + p + singleLevel), next * singleLevel);
      sample.target.set(data.subarray(base + p + singleLevel, base + file.width), next * outputs);
      next++;
    }
  }
  return sample;
}

/** Keras' KLDivergence metric: mean over rows of sum_k t log(t / p), t and p clipped to [1e-7, 1]. */
export function klDivergence(target: Float32Array, predicted: Float32Array, outputs: number): number {
  const clip = (v: number) => Math.min(Math.max(v, 1e-7), 1);
  const rows = target.length / outputs;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let row = 0;
    for (let k = 0; k < outputs; k++) {
      const t = clip(target[r * outputs + k]);
      row += t * Math.log(t / clip(predicted[r * outputs + k]));
    }
    total += row;
  }
  return total / rows;
}

/** Keras' BinaryCrossentropy: mean of -(t log p + (1 - t) log(1 - p)), p clipped to [1e-7, 1 - 1e-7]. */
export function binaryCrossentropy(target: Float32Array, predicted: Float32Array): number {
  let total = 0;
  for (let i = 0; i < target.length; i++) {
    const p = Math.min(Math.max(predicted[i], 1e-7), 1 - 1e-7);
    total -= target[i] * Math.log(p) + (1 - target[i]) * Math.log(1 - p);
  }
  return total / target.length;
}

/** Mean absolute error over every value. */
export function meanAbsoluteError(target: Float32Array, predicted: Float32Array): number {
  let total = 0;
  for (let i = 0; i < target.length; i++) total += Math.abs(target[i] - predicted[i]);
  return total / target.length;
}

/** Mean and sample standard deviation (n - 1; 0 for a single value). */
export function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}
