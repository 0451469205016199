import * as tf from '@tensorflow/tfjs-core';

/** Loss names a recipe can ask for. */
export type LossName = 'kl-divergence' | 'mse' | 'mae' | 'categorical-crossentropy' | 'binary-crossentropy';
/** A loss: mean over the batch of the per-row loss, as a scalar. */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

const EPSILON = 1e-7;

/** Keras `KLDivergence`: sum_k y·log(y/p) with both clipped to [1e-7, 1], averaged over the batch. */
export function klDivergence(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const t = tf.clipByValue(yTrue, EPSILON, 1);
    const p = tf.clipByValue(yPred, EPSILON, 1);
    return tf.mean(tf.sum(tf.mul(t, tf.log(tf.div(t, p))), -1));
  });
}

/** Keras `MeanSquaredError`: mean over outputs, then over the batch. */
export function meanSquaredError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(yPred, yTrue))));
}

/** Keras `MeanAbsoluteError`: mean over outputs, then over the batch. */
export function meanAbsoluteError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(yPred, yTrue))));
}

/** Keras `CategoricalCrossentropy` on probabilities: renormalise, clip to [1e-7, 1-1e-7], -sum y·log p. */
export function categoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(tf.div(yPred, tf.sum(yPred, -1, true)), EPSILON, 1 - EPSILON);
    return tf.mean(tf.neg(tf.sum(tf.mul(yTrue, tf.log(p)), -1)));
  });
}

/** Keras `BinaryCrossentropy` on probabilities (seed §5.5): p clipped to [1e-7, 1-1e-7], -(y log p + (1-y) log(1-p)). */
export function binaryCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
    return tf.mean(tf.neg(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))))));
  });
}

const LOSSES: Record<LossName, LossFn> = {
  'kl-divergence': klDivergence,
  mse: meanSquaredError,
  mae: meanAbsoluteError,
  'categorical-crossentropy': categoricalCrossentropy,
  'binary-crossentropy': binaryCrossentropy,
};

/** The loss function for a recipe's loss name. */
export function lossFunction(name: LossName): LossFn {
  return LOSSES[name];
}

/** Keras categorical accuracy: the share of rows whose argmax of truth and prediction agree. */
export function categoricalAccuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1)), 'float32')));
}
