import type { TrainConfig } from '@prd/core';
import { FlatAdam, tf, type Optimizer } from '@prd/tensor';

/**
 * The recipe's optimizer. Adam is Keras' (defaults beta1 0.9, beta2 0.999, epsilon 1e-7, and Keras' update rule),
 * run over all variables at once ({@link FlatAdam}); SGD is tfjs' (with momentum when asked).
 */
export function makeOptimizer(config: TrainConfig): { optimizer: Optimizer; learningRate: number; name: string } {
  const spec = config.optimizer ?? { adam: { learningRate: 0.001 } };
  if (spec.sgd) {
    const lr = spec.sgd.learningRate ?? 0.01;
    const momentum = spec.sgd.momentum ?? 0;
    return { optimizer: momentum > 0 ? tf.train.momentum(lr, momentum) : tf.train.sgd(lr), learningRate: lr, name: 'sgd' };
  }
  const adam = spec.adam ?? { learningRate: 0.001 };
  const lr = adam.learningRate ?? 0.001;
  return { optimizer: new FlatAdam({ learningRate: lr, beta1: adam.beta1, beta2: adam.beta2, epsilon: adam.epsilon }), learningRate: lr, name: 'adam' };
}

/** Change an optimizer's learning rate between steps (tfjs reads the field on every update). */
export function setLearningRate(optimizer: Optimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}
