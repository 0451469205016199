import { describe, expect, it } from 'vitest';
import { tf } from './tf.js';
import { selectBackend } from './backend.js';
import { FlatAdam } from './optimizers.js';

/** Keras' Adam on one scalar, written out: the reference the optimizer must follow. */
function kerasAdam(w0: number, grads: number[], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-7): number[] {
  let [w, m, v] = [w0, 0, 0];
  return grads.map((g, i) => {
    const t = i + 1;
    m += (g - m) * (1 - b1);
    v += (g * g - v) * (1 - b2);
    w -= ((lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t)) * (m / (Math.sqrt(v) + eps));
    return w;
  });
}

/** tfjs' Adam puts epsilon on the bias-corrected second moment instead. */
function tfjsAdam(w0: number, grads: number[], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-7): number[] {
  let [w, m, v] = [w0, 0, 0];
  return grads.map((g, i) => {
    const t = i + 1;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    w -= (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
    return w;
  });
}

describe('FlatAdam', () => {
  for (const device of ['cpu', 'wasm'] as const) {
    it(`follows Keras' update rule over several variables at once (${device})`, async () => {
      await selectBackend(device);
      // loss = sum(ga * a) + sum(gb * b): constant gradients ga, gb, tiny ones where epsilon's placement matters.
      const ga = [0.5, -2, 1e-6];
      const gb = [3e-6, -0.25];
      const a = tf.variable(tf.tensor1d([1, 1, 1]));
      const b = tf.variable(tf.tensor2d([[2], [2]]));
      const opt = new FlatAdam({ learningRate: 0.1 });
      const steps = 3;
      for (let s = 0; s < steps; s++) opt.minimize(() => tf.add(tf.sum(tf.mul(a, ga)), tf.sum(tf.mul(b, tf.tensor2d(gb, [2, 1])))), false, [a, b]);
      const expectedA = ga.map((g) => kerasAdam(1, Array(steps).fill(g), 0.1)[steps - 1]);
      const expectedB = gb.map((g) => kerasAdam(2, Array(steps).fill(g), 0.1)[steps - 1]);
      Array.from(a.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expectedA[i], 5));
      Array.from(b.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expectedB[i], 5));
      // With a gradient of 1e-6, Keras and tfjs differ visibly: the test tells them apart.
      expect(Math.abs(kerasAdam(1, [1e-6, 1e-6, 1e-6], 0.1)[2] - tfjsAdam(1, [1e-6, 1e-6, 1e-6], 0.1)[2])).toBeGreaterThan(1e-3);
      // Constant gradient 0.5 at lr 0.1: steps of almost exactly lr, as Adam's normalisation promises.
      expect(expectedA[0]).toBeCloseTo(0.7, 5);
      opt.dispose();
    });
  }

  it('saves and restores its state so a restored optimizer continues identically', async () => {
    await selectBackend('cpu');
    const w1 = tf.variable(tf.tensor1d([1, -1]));
    const w2 = tf.variable(tf.tensor1d([1, -1]));
    const loss = (w: tf.Variable) => () => tf.sum(tf.square(tf.sub(w, tf.tensor1d([3, 4])))) as tf.Scalar;
    const first = new FlatAdam({ learningRate: 0.05 });
    for (let i = 0; i < 4; i++) first.minimize(loss(w1), false, [w1]);
    const saved = await first.getWeights();
    expect(saved.map((s) => s.name)).toEqual(['iter', `${w1.name}/m`, `${w1.name}/v`]);
    // Copy w1 into w2 and the state into a fresh optimizer; w2's moments are keyed by w1's name, so rename.
    w2.assign(w1);
    const second = new FlatAdam({ learningRate: 0.05 });
    await second.setWeights(saved.map((s) => ({ name: s.name.replace(w1.name, w2.name), tensor: s.tensor })));
    for (let i = 0; i < 3; i++) {
      first.minimize(loss(w1), false, [w1]);
      second.minimize(loss(w2), false, [w2]);
    }
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w1.dataSync()));
  });
});
