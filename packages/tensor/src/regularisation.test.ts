import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';
import { meanSquaredError } from './losses.js';
import { regularisationPenalty, withRegularisation } from './regularisation.js';
import { tf, tfl } from './tf.js';

// One Dense(2) layer without bias, kernel W = [[0.5, -1], [2, 0]] (input x output), L2 factor 0.1, on the row
// x = [1, 2] with truth y = [4, 0]. By hand:
//   prediction x·W = [1·0.5 + 2·2, 1·(-1) + 2·0] = [4.5, -1]; MSE = ((0.5)² + (-1)²) / 2 = 0.625
//   penalty 0.1 · (0.25 + 1 + 4 + 0) = 0.525; loss 0.625 + 0.525 = 1.15
//   dMSE/dW[i][j] = x_i · (p_j - y_j) = [[0.5, -1], [1, -2]]; d(penalty)/dW = 2 · 0.1 · W = [[0.1, -0.2], [0.4, 0]]
//   gradient [[0.6, -1.2], [1.4, -2]]
function tinyModel(l2: number) {
  const input = tfl.input({ shape: [2] });
  const dense = tfl.layers.dense({ units: 2, useBias: false, kernelRegularizer: l2 > 0 ? tfl.regularizers.l2({ l2 }) : undefined });
  const model = tfl.model({ inputs: input, outputs: dense.apply(input) as tfl.SymbolicTensor });
  model.setWeights([tf.tensor2d([[0.5, -1], [2, 0]])]);
  return model;
}

describe('withRegularisation', () => {
  it('adds l2 x sum(w²) to the loss, and 2 x l2 x w to its gradient', async () => {
    await selectBackend('cpu');
    const model = tinyModel(0.1);
    const loss = withRegularisation(model, meanSquaredError);
    const x = tf.tensor2d([[1, 2]]);
    const y = tf.tensor2d([[4, 0]]);
    const kernel = model.trainableWeights[0].read() as tf.Variable;
    const { value, grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true }) as tf.Tensor), [kernel]);
    expect(value.dataSync()[0]).toBeCloseTo(1.15, 6);
    expect(Array.from(grads[kernel.name].dataSync()).map((g) => Number(g.toFixed(6)))).toEqual([0.6, -1.2, 1.4, -2]);
    expect(regularisationPenalty(model)).toBeCloseTo(0.525, 6);
    model.dispose();
  });

  it('leaves the loss alone for a model without regularisers', async () => {
    await selectBackend('cpu');
    const model = tinyModel(0);
    expect(withRegularisation(model, meanSquaredError)).toBe(meanSquaredError);
    expect(regularisationPenalty(model)).toBe(0);
    const p = model.predict(tf.tensor2d([[1, 2]])) as tf.Tensor;
    expect(meanSquaredError(tf.tensor2d([[4, 0]]), p).dataSync()[0]).toBeCloseTo(0.625, 6);
    model.dispose();
  });
});
