import type { TensorFile } from '@prd/core';
import { batchInputs, categoricalAccuracy, regularisationPenalty, tf, type LayersModel, type LossFn } from '@prd/tensor';

/**
 * Loss (and categorical accuracy for bands) of a model over a whole tensor file, weighted by batch size like Keras,
 * plus the model's L2 penalties as Keras' val_loss includes them (the same for every batch, so added once).
 */
export function evaluateFile(model: LayersModel, file: TensorFile, loss: LossFn, withAccuracy: boolean, batchSize: number): { loss: number; accuracy?: number } {
  const { heights, profileFeatures, outputs } = file.header;
  let lossSum = 0;
  let accSum = 0;
  let rows = 0;
  for (const batch of file.batches({ batchSize })) {
    const [l, a] = tf.tidy(() => {
      const inputs = batchInputs(model, batch, heights, profileFeatures);
      const y = tf.tensor2d(batch.target, [batch.size, outputs]);
      const p = model.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }) as tf.Tensor;
      const values = [loss(y, p)];
      if (withAccuracy) values.push(categoricalAccuracy(y, p));
      return tf.stack(values).dataSync();
    });
    lossSum += l * batch.size;
    accSum += (a ?? 0) * batch.size;
    rows += batch.size;
  }
  return { loss: rows ? lossSum / rows + regularisationPenalty(model) : NaN, accuracy: withAccuracy ? (rows ? accSum / rows : NaN) : undefined };
}
