import { tf, type LayersModel } from './tf.js';
import type { LossFn } from './losses.js';

/**
 * The training loss of `model`: `loss` plus the model's regularisation losses (kernel L2: l2 x sum(w²) per
 * regularised layer), as Keras adds them in both `fit` and `evaluate`. tfjs adds them only inside `model.fit`;
 * prd's training steps call the loss themselves, so they must add them here. A model without regularisers gets
 * `loss` itself.
 */
export function withRegularisation(model: LayersModel, loss: LossFn): LossFn {
  if (!hasRegularisers(model)) return loss;
  return (yTrue, yPred) => tf.tidy(() => model.calculateLosses().reduce<tf.Scalar>((total, term) => tf.add(total, term), loss(yTrue, yPred)));
}

/** The model's regularisation losses summed now (0 without regularisers), for a validation loss reported like Keras'. */
export function regularisationPenalty(model: LayersModel): number {
  if (!hasRegularisers(model)) return 0;
  return tf.tidy(() => tf.addN(model.calculateLosses()).dataSync()[0]);
}

/** Whether any layer of the model adds a regularisation loss (a LayersModel's own `losses` list stays empty). */
export function hasRegularisers(model: LayersModel): boolean {
  return model.layers.some((layer) => layer.losses.length > 0);
}
