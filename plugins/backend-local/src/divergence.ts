import { PrdError } from '@prd/core';
import type { LayersModel } from '@prd/tensor';

/**
 * Stop training that has diverged: a non-finite loss or metric, or a weight that is NaN or infinite, makes every
 * later epoch and every prediction meaningless (a learning rate far too large trains to finite-looking losses and
 * NaN weights). Checked once per epoch; reading the weights of prd's models costs well under a millisecond.
 */
export function checkDivergence(model: LayersModel, metrics: Record<string, number>, epoch: number, learningRate: number): void {
  const badMetric = Object.entries(metrics).find(([, value]) => !Number.isFinite(value));
  let badWeight: string | undefined;
  if (!badMetric) {
    for (const weight of model.weights) {
      const values = weight.read().dataSync();
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i])) {
          badWeight = weight.name;
          break;
        }
      }
      if (badWeight) break;
    }
  }
  if (!badMetric && !badWeight) return;
  const what = badMetric ? `the ${badMetric[0]} became ${badMetric[1]}` : `the weights of ${badWeight} became NaN or infinite`;
  throw PrdError.of(
    {
      pointer: '/train/optimizer',
      message: `training diverged in epoch ${epoch}: ${what}; lower the learning rate (it was ${learningRate.toPrecision(3)}), for example --set train.optimizer.adam.learningRate=0.001, or check the inputs for extreme values`,
    },
    `training diverged in epoch ${epoch} (learning rate ${learningRate.toPrecision(3)})`,
  );
}
