import { currentBackend, loadModel, selectBackend, tf, type Device, type LayersModel } from '@prd/tensor';
import type { Sample } from './sample.js';

/** Load the run's model on the backend already in use (training selected it), or on `device` when none is. */
export async function openModel(modelDir: string, device: Device): Promise<LayersModel> {
  if (!currentBackend()) await selectBackend(device);
  return loadModel(modelDir);
}

/** The model's inputs for sample rows [start, start + count), in the order of `model.inputNames`. */
export function inputsOf(model: LayersModel, sample: Sample, profile: Float32Array, single: Float32Array, start = 0, count = sample.size): tf.Tensor[] {
  const p = sample.heights * sample.profileFeatures;
  return model.inputNames.map((name) =>
    name.startsWith('surf')
      ? tf.tensor2d(single.subarray(start * sample.singleLevel, (start + count) * sample.singleLevel), [count, sample.singleLevel])
      : tf.tensor3d(profile.subarray(start * p, (start + count) * p), [count, sample.heights, sample.profileFeatures]),
  );
}

/** Predictions for every sample row (rows x outputs), in batches. */
export function predictSample(model: LayersModel, sample: Sample, profile: Float32Array, single: Float32Array, batchSize = 1024): Float32Array {
  const out = new Float32Array(sample.size * sample.outputs);
  for (let start = 0; start < sample.size; start += batchSize) {
    const count = Math.min(batchSize, sample.size - start);
    const values = tf.tidy(() => {
      const inputs = inputsOf(model, sample, profile, single, start, count);
      const y = model.predict(inputs.length === 1 ? inputs[0] : inputs, { batchSize: count }) as tf.Tensor;
      return y.dataSync() as Float32Array;
    });
    out.set(values, start * sample.outputs);
  }
  return out;
}
