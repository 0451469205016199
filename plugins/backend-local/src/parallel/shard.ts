import type { Batch } from '@prd/core';
import { batchInputs, categoricalAccuracy, FlatAdam, tf, type LayersModel, type LossFn, type Optimizer, type Variable } from '@prd/tensor';

/** Rows [start, start + size) of a batch, as a batch of their own (views, no copy). */
export function shardOf(batch: Batch, start: number, size: number): Batch {
  const p = batch.size ? batch.profile.length / batch.size : 0;
  const s = batch.size ? batch.singleLevel.length / batch.size : 0;
  const o = batch.size ? batch.target.length / batch.size : 0;
  return {
    size,
    profile: batch.profile.subarray(start * p, (start + size) * p),
    singleLevel: batch.singleLevel.subarray(start * s, (start + size) * s),
    target: batch.target.subarray(start * o, (start + size) * o),
  };
}

/** What one replica computes on its shard: the mean gradient (variables concatenated in order), loss and accuracy. */
export interface ShardResult {
  gradient: Float32Array;
  loss: number;
  accuracy: number;
}

/** Gradient of the mean loss over one shard, flattened in the order of `variables`. */
export function shardGradient(model: LayersModel, variables: Variable[], loss: LossFn, bands: boolean, shard: Batch, heights: number, features: number, outputs: number): ShardResult {
  // tidy returns tensors only: it walks whatever it returns element by element, a 181k-value array included.
  const [flat, stats] = tf.tidy(() => {
    const inputs = batchInputs(model, shard, heights, features);
    const y = tf.tensor2d(shard.target, [shard.size, outputs]);
    let accuracy: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const p = model.apply(inputs.length === 1 ? inputs[0] : inputs, { training: true }) as tf.Tensor;
      if (bands) accuracy = tf.keep(categoricalAccuracy(y, p));
      return loss(y, p);
    }, variables);
    const packed = [tf.concat(variables.map((v) => tf.reshape(grads[v.name], [-1]))), tf.stack([value, accuracy ?? tf.scalar(0)])];
    accuracy?.dispose();
    return packed;
  });
  const gradient = flat.dataSync() as Float32Array;
  const [lossValue, accuracyValue] = stats.dataSync();
  flat.dispose();
  stats.dispose();
  return { gradient, loss: lossValue, accuracy: accuracyValue };
}

/**
 * Apply the batch gradient, the shard gradients weighted by their rows and summed in replica order. Every replica
 * computes it from the same shared values with the same kernels, so all apply the same update and their weights
 * stay equal without being exchanged. `released` runs once the shared values have been copied.
 */
export function applyShardGradients(optimizer: Optimizer, variables: Variable[], gradients: Float32Array[], rows: number[], released: () => void): void {
  const total = rows.reduce((a, b) => a + b, 0);
  tf.tidy(() => {
    const copies = gradients.map((g, k) => (rows[k] === 0 ? undefined : tf.tensor1d(g)));
    released();
    let flat: tf.Tensor1D | undefined;
    copies.forEach((g, k) => {
      if (!g) return;
      const part = tf.mul(g, rows[k] / total) as tf.Tensor1D;
      flat = flat ? (tf.add(flat, part) as tf.Tensor1D) : part;
    });
    if (!flat) return;
    if (optimizer instanceof FlatAdam) {
      optimizer.applyFlat(flat, variables);
      return;
    }
    const parts = tf.split(flat, variables.map((v) => v.size));
    optimizer.applyGradients(Object.fromEntries(variables.map((v, i) => [v.name, tf.reshape(parts[i], v.shape)])));
  });
}
