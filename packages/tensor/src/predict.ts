import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Batch, TensorFile } from '@prd/core';

/** Options of {@link predictTensorFile}. */
export interface PredictOptions {
  batchSize?: number;
  signal?: AbortSignal;
  /** Called after each batch with rows done so far. */
  onProgress?(done: number, total: number): void;
}

/** The model's input tensors for a batch, in the order of `model.inputNames` (`profile_input`, `surf_input`). */
export function batchInputs(model: tfl.LayersModel, batch: Pick<Batch, 'size' | 'profile' | 'singleLevel'>, heights: number, features: number): tf.Tensor[] {
  const singleLevel = batch.size === 0 ? 0 : batch.singleLevel.length / batch.size;
  return model.inputNames.map((name, i) => {
    const isSurface = name.startsWith('surf') || (i === 1 && name !== 'profile_input');
    return isSurface ? tf.tensor2d(batch.singleLevel, [batch.size, singleLevel]) : tf.tensor3d(batch.profile, [batch.size, heights, features]);
  });
}

/** Apply a model to every row of a tensor file, in file order; returns rows x outputs, row-major. */
export function predictTensorFile(model: tfl.LayersModel, file: TensorFile, options: PredictOptions = {}): Float32Array {
  const { heights, profileFeatures, outputs, rows } = file.header;
  const out = new Float32Array(rows * outputs);
  let done = 0;
  for (const batch of file.batches({ batchSize: options.batchSize ?? 1024 })) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    // tidy returns the tensor, not its values: tidy walks whatever it returns, element by element.
    const y = tf.tidy(() => {
      const inputs = batchInputs(model, batch, heights, profileFeatures);
      return model.predict(inputs.length === 1 ? inputs[0] : inputs, { batchSize: batch.size }) as tf.Tensor;
    });
    out.set(y.dataSync() as Float32Array, done * outputs);
    y.dispose();
    done += batch.size;
    options.onProgress?.(done, rows);
  }
  return out;
}
