import { describe, expect, it } from 'vitest';
import { tf } from './tf.js';
import { selectBackend } from './backend.js';
import { categoricalAccuracy, categoricalCrossentropy, klDivergence, meanAbsoluteError, meanSquaredError } from './losses.js';

const TRUE = [
  [0.5, 0.5, 0, 0],
  [1, 0, 0, 0],
];
const PRED = [
  [0.25, 0.25, 0.25, 0.25],
  [0.9, 0.1, 0, 0],
];
const value = (t: tf.Tensor) => t.dataSync()[0];

describe('losses match Keras, computed by hand', () => {
  it('KL divergence clips both sides to [1e-7, 1] and averages the per-row sums', async () => {
    await selectBackend('cpu');
    const e = 1e-7;
    const row1 = 2 * 0.5 * Math.log(0.5 / 0.25) + 2 * e * Math.log(e / 0.25);
    const row2 = 1 * Math.log(1 / 0.9) + e * Math.log(e / 0.1) + 2 * e * Math.log(e / e);
    expect(value(klDivergence(tf.tensor2d(TRUE), tf.tensor2d(PRED)))).toBeCloseTo((row1 + row2) / 2, 6);
    expect((row1 + row2) / 2).toBeCloseTo(0.39925, 4);
  });

  it('MSE and MAE average over outputs, then rows', async () => {
    await selectBackend('cpu');
    const diffs = TRUE.flatMap((r, i) => r.map((v, j) => PRED[i][j] - v));
    expect(value(meanSquaredError(tf.tensor2d(TRUE), tf.tensor2d(PRED)))).toBeCloseTo(diffs.reduce((s, d) => s + d * d, 0) / 8, 6);
    expect(value(meanAbsoluteError(tf.tensor2d(TRUE), tf.tensor2d(PRED)))).toBeCloseTo(diffs.reduce((s, d) => s + Math.abs(d), 0) / 8, 6);
  });

  it('categorical cross-entropy renormalises and clips predictions', async () => {
    await selectBackend('cpu');
    const e = 1e-7;
    const row1 = -(0.5 * Math.log(0.25) + 0.5 * Math.log(0.25));
    const row2 = -Math.log(0.9);
    expect(value(categoricalCrossentropy(tf.tensor2d(TRUE), tf.tensor2d(PRED)))).toBeCloseTo((row1 + row2) / 2, 6);
    // A zero prediction for a true class is clipped, not infinite.
    expect(value(categoricalCrossentropy(tf.tensor2d([[0, 1]]), tf.tensor2d([[1, 0]])))).toBeCloseTo(-Math.log(e), 3);
  });

  it('categorical accuracy compares argmax of truth and prediction (first wins on ties)', async () => {
    await selectBackend('cpu');
    // Row 1: truth ties -> class 0, prediction ties -> class 0: a hit. Row 2: class 0 both: a hit. Row 3: miss.
    expect(value(categoricalAccuracy(tf.tensor2d([...TRUE, [0, 1, 0, 0]]), tf.tensor2d([...PRED, [0.6, 0.4, 0, 0]])))).toBeCloseTo(2 / 3, 6);
  });
});
