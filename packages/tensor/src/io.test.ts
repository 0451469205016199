import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPrdError } from '@prd/core';
import { tf, tfl } from './tf.js';
import { selectBackend } from './backend.js';
import { loadModel, loadTensors, saveModel, saveTensors } from './io.js';

/** Whether an optional package resolves from this package (as backend.ts looks for it). */
function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

function model(): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 2], name: 'profile_input' });
  const conv = tfl.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input);
  const out = tfl.layers.dense({ units: 4, activation: 'softmax', name: 'main_output', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(tfl.layers.flatten().apply(conv));
  return tfl.model({ inputs: input, outputs: out as tfl.SymbolicTensor });
}

describe('model files', () => {
  it('saves a standard tfjs layers model (model.json + weights.bin) that loads back and predicts the same', async () => {
    await selectBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'prd-io-'));
    const m = model();
    const x = tf.tensor3d(Array.from({ length: 5 * 12 }, (_, i) => Math.sin(i)), [5, 6, 2]);
    const before = Array.from((m.predict(x) as tf.Tensor).dataSync());
    const { files, bytes } = await saveModel(m, dir);
    expect(files).toEqual(['model.json', 'weights.bin']);
    expect(bytes).toBe((3 * 2 * 3 + 18 * 4 + 4) * 4);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.modelTopology.class_name).toBe('Model');
    const loaded = await loadModel(dir);
    expect(loaded.inputNames).toEqual(['profile_input']);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(before);
  });

  it('says which directory holds no model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-io-'));
    const error = await loadModel(dir).catch((e: unknown) => e);
    expect(isPrdError(error)).toBe(true);
    expect((error as Error).message).toContain(dir);
  });

  it('saves and loads named tensors in order', async () => {
    await selectBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'prd-io-'));
    await saveTensors([{ name: 'a/m', tensor: tf.tensor2d([[1, 2], [3, 4]]) }, { name: 'iter', tensor: tf.scalar(7) }], dir, 'optimizer');
    const back = loadTensors(dir, 'optimizer');
    expect(back.map((t) => t.name)).toEqual(['a/m', 'iter']);
    expect(back[0].tensor.shape).toEqual([2, 2]);
    expect(Array.from(back[0].tensor.dataSync())).toEqual([1, 2, 3, 4]);
    expect(back[1].tensor.dataSync()[0]).toBe(7);
  });
});

describe('selectBackend', () => {
  it('selects cpu and wasm', async () => {
    expect(await selectBackend('cpu')).toMatchObject({ device: 'cpu', backend: 'cpu', runtime: 'tfjs-cpu' });
    expect(tf.getBackend()).toBe('cpu');
    expect(await selectBackend('wasm')).toMatchObject({ device: 'wasm', runtime: 'tfjs-wasm' });
    expect(tf.getBackend()).toBe('wasm');
  });

  // The native packages are optional: these hold whether or not @tensorflow/tfjs-node(-gpu) is installed (the
  // benchmark environment builds tfjs-node; CI does not).
  it('explains how to get tfjs-node when it is asked for but not installed (and uses it when it is)', async () => {
    const result = await selectBackend('native').catch((e: unknown) => e);
    if (installed('@tensorflow/tfjs-node')) {
      expect(result).toMatchObject({ device: 'native', backend: 'tensorflow' });
      return;
    }
    expect(isPrdError(result)).toBe(true);
    expect((result as Error).message).toMatch(/needs @tensorflow\/tfjs-node, which is not installed; run `npm i @tensorflow\/tfjs-node@4.22.0`.*device "wasm"/);
  });

  it('auto falls back to the fastest backend that loads (wasm without the native packages)', async () => {
    const fastest = installed('@tensorflow/tfjs-node-gpu') ? 'gpu' : installed('@tensorflow/tfjs-node') ? 'native' : 'wasm';
    expect((await selectBackend('auto')).device).toBe(fastest);
  });

  it('names the valid devices for an unknown one', async () => {
    const error = await selectBackend('tpu' as never).catch((e: unknown) => e);
    expect((error as Error).message).toBe('unknown device "tpu"; use one of auto, gpu, native, wasm, cpu');
  });
});
