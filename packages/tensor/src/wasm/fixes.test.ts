import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend.js';
import { transposedProductPlan } from './matmul.js';

type Device = 'cpu' | 'wasm';

/** Run `fn` on a backend and return plain numbers, so results of both backends can be compared. */
async function on(device: Device, fn: () => tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  await selectBackend(device);
  return tf.tidy(() => {
    const out = fn();
    return (Array.isArray(out) ? out : [out]).map((t) => Array.from(t.dataSync()));
  });
}

/** Deterministic values in [-1, 1), the same on every backend. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = s / 1073741824 - 1;
  }
  return out;
}

function expectClose(actual: number[][], expected: number[][], relative = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, k) => {
    expect(a.length).toBe(expected[k].length);
    const scale = Math.max(1e-6, ...expected[k].map(Math.abs));
    const worst = Math.max(...a.map((v, i) => Math.abs(v - expected[k][i])));
    expect(worst / scale).toBeLessThan(relative);
  });
}

async function bothBackends(fn: () => tf.Tensor | tf.Tensor[], relative = 1e-4): Promise<void> {
  const cpu = await on('cpu', fn);
  const wasm = await on('wasm', fn);
  expectClose(wasm, cpu, relative);
}

const CONV_CASES: Array<{ name: string; x: number[]; f: number[]; strides: [number, number]; pad: 'same' | 'valid' }> = [
  { name: 'conv1d as conv2d, kernel 3, same (the seed)', x: [4, 1, 33, 5], f: [1, 3, 5, 8], strides: [1, 1], pad: 'same' },
  { name: 'kernel 3, valid', x: [3, 1, 12, 4], f: [1, 3, 4, 6], strides: [1, 1], pad: 'valid' },
  { name: 'even kernel 2, same (asymmetric padding)', x: [2, 1, 9, 3], f: [1, 2, 3, 5], strides: [1, 1], pad: 'same' },
  { name: '2-D 3x3, stride 2, same', x: [2, 7, 8, 3], f: [3, 3, 3, 4], strides: [2, 2], pad: 'same' },
  { name: '2-D 2x3, stride (2, 1), valid', x: [2, 9, 7, 2], f: [2, 3, 2, 3], strides: [2, 1], pad: 'valid' },
];

describe('wasm kernel fixes agree with the cpu backend', () => {
  for (const c of CONV_CASES) {
    it(`Conv2DBackpropFilter and Conv2DBackpropInput: ${c.name}`, async () => {
      const xSize = c.x.reduce((a, b) => a * b, 1);
      const fSize = c.f.reduce((a, b) => a * b, 1);
      await bothBackends(() => {
        const x = tf.tensor4d(values(xSize, 1), c.x as [number, number, number, number]);
        const f = tf.tensor4d(values(fSize, 2), c.f as [number, number, number, number]);
        // Gradients of a scalar function of the convolution w.r.t. both inputs: exercises both backprop kernels.
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad))));
        return g([x, f]);
      });
    });
  }

  it('conv1d layer gradients (the path tfjs-layers Conv1D takes)', async () => {
    await bothBackends(() => {
      const x = tf.tensor3d(values(2 * 33 * 5, 3), [2, 33, 5]);
      const w = tf.tensor3d(values(3 * 5 * 32, 4), [3, 5, 32]);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.relu(tf.conv1d(a as tf.Tensor3D, b as tf.Tensor3D, 1, 'same'))))([x, w]);
    });
  });

  for (const [ta, tb] of [[false, true], [true, false], [true, true]] as const) {
    it(`matMul with transposeA=${ta}, transposeB=${tb}, plain and batched`, async () => {
      await bothBackends(() => {
        const a2 = tf.tensor2d(values(37 * 53, 5), ta ? [53, 37] : [37, 53]);
        const b2 = tf.tensor2d(values(53 * 29, 6), tb ? [29, 53] : [53, 29]);
        const a3 = tf.tensor3d(values(3 * 7 * 11, 7), ta ? [3, 11, 7] : [3, 7, 11]);
        const b3 = tf.tensor3d(values(3 * 11 * 5, 8), tb ? [3, 5, 11] : [3, 11, 5]);
        return [tf.matMul(a2, b2, ta, tb), tf.matMul(a3, b3, ta, tb)];
      });
    });
  }

  it('fused matMul (dense layers) with bias, relu and transposes, and its gradients', async () => {
    await bothBackends(() => {
      const a = tf.tensor2d(values(16 * 24, 9), [16, 24]);
      const w = tf.tensor2d(values(24 * 10, 10), [24, 10]);
      const bias = tf.tensor1d(values(10, 11));
      const fused = tf.fused.matMul({ a, b: tf.transpose(w), transposeB: true, bias, activation: 'relu' });
      const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, bias, activation: 'relu' })))([a, w]);
      return [fused, ...grads];
    });
  });

  it('Slice and SplitV, contiguous (heap-to-heap copies) and strided (original kernels)', async () => {
    await bothBackends(() => {
      const x = tf.tensor3d(values(4 * 5 * 6, 12), [4, 5, 6]);
      const flat = tf.tensor1d(values(30, 13));
      return [
        tf.slice(x, [1, 0, 0], [2, 5, 6]),
        tf.slice(x, [2, 3, 0], [1, 2, 6]),
        tf.slice(x, [0, 1, 2], [3, 2, 3]),
        ...tf.split(flat, [7, 20, 3]),
        ...tf.split(x, [1, 3], 0),
        ...tf.split(x, 2, 2),
      ];
    }, 1e-7);
  });

  it('chooses the cheaper rewrite of a transposed product', () => {
    // dX = dY · Wᵀ of a dense layer (64 x 165 by 165 x 1056 weights): swapping avoids transposing and packing W.
    expect(transposedProductPlan([64, 165], [1056, 165], false, true)).toBe('swapped');
    // dW = Xᵀ · dY: transposing X and packing the small dY is cheaper than swapping.
    expect(transposedProductPlan([64, 1056], [64, 165], true, false)).toBe('direct');
    // Batched products always take the direct form.
    expect(transposedProductPlan([3, 64, 165], [3, 1056, 165], false, true)).toBe('direct');
  });

  it('Identity shares the buffer, and the source stays valid after the clone is disposed (and vice versa)', async () => {
    await selectBackend('wasm');
    const before = tf.memory().numDataBuffers;
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers - before).toBe(1);
    y.dispose();
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3]);
    const z = tf.clone(x);
    x.dispose();
    expect(Array.from(z.dataSync())).toEqual([1, 2, 3]);
    z.dispose();
    expect(tf.memory().numDataBuffers).toBe(before);
  });
});
