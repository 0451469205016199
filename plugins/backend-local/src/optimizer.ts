import type { TrainConfig } from '@prd/core';
import { tf, type Optimizer } from '@prd/tensor';

/** The recipe's optimizer: Adam with Keras' defaults (beta1 0.9, beta2 0.999, epsilon 1e-7) unless told otherwise. */
export function makeOptimizer(config: TrainConfig): { optimizer: Optimizer; learningRate: number; name: string } {
  const spec = config.optimizer ?? { adam: { learningRate: 0.001 } };
  if (spec.sgd) {
    const lr = spec.sgd.learningRate ?? 0.01;
    const momentum = spec.sgd.momentum ?? 0;
    return { optimizer: momentum > 0 ? tf.train.momentum(lr, momentum) : tf.train.sgd(lr), learningRate: lr, name: 'sgd' };
  }
  const adam = spec.adam ?? { learningRate: 0.001 };
  const lr = adam.learningRate ?? 0.001;
  return { optimizer: tf.train.adam(lr, adam.beta1 ?? 0.9, adam.beta2 ?? 0.999, adam.epsilon ?? 1e-7), learningRate: lr, name: 'adam' };
}

/** Change an optimizer's learning rate between steps (tfjs reads the field on every update). */
export function setLearningRate(optimizer: Optimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}
