import { beforeAll, describe, expect, it } from 'vitest';
import { tf, tfl } from './tf.js';
import { selectBackend } from './backend.js';
import { installSeededDropout, setDropoutDraws } from './dropout.js';

/** A model that is one Dropout layer over 64 ones, so its output is the mask (0 or 2 at rate 0.5). */
function maskModel(seed?: number): tfl.LayersModel {
  const input = tfl.input({ shape: [64] });
  const output = tfl.layers.dropout({ rate: 0.5, seed }).apply(input) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

function masks(model: tfl.LayersModel, calls: number): string[] {
  const x = tf.ones([1, 64]);
  return Array.from({ length: calls }, () => {
    const y = model.apply(x, { training: true }) as tf.Tensor;
    const mask = Array.from(y.dataSync(), (v) => (v > 0 ? '1' : '0')).join('');
    y.dispose();
    return mask;
  });
}

describe('seeded Dropout', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    installSeededDropout();
  });

  it('draws a different mask at every training call', () => {
    const seen = masks(maskModel(7), 4);
    expect(new Set(seen).size).toBe(4);
    for (const mask of seen) expect(mask).toMatch(/^(?=.*1)(?=.*0)[01]{64}$/);
  });

  it('draws the same sequence of masks in every run with the same seed, and another with another seed', () => {
    expect(masks(maskModel(7), 3)).toEqual(masks(maskModel(7), 3));
    expect(masks(maskModel(8), 3)).not.toEqual(masks(maskModel(7), 3));
  });

  it('continues the sequence from a given draw (resume), and a replica stream draws other masks', () => {
    const straight = masks(maskModel(7), 5);
    const resumed = maskModel(7);
    setDropoutDraws(resumed, 3);
    expect(masks(resumed, 2)).toEqual(straight.slice(3));
    const replica = maskModel(7);
    setDropoutDraws(replica, 0, 1);
    expect(masks(replica, 2)).not.toEqual(straight.slice(0, 2));
  });

  it('passes values through unchanged outside training, and keeps the standard saved config', () => {
    const model = maskModel(7);
    const x = tf.ones([1, 64]);
    expect(Array.from((model.apply(x, { training: false }) as tf.Tensor).dataSync())).toEqual(new Array(64).fill(1));
    const layer = model.layers[1];
    expect(layer.getClassName()).toBe('Dropout');
    expect(layer.getConfig()).toMatchObject({ rate: 0.5, seed: 7 });
  });
});
