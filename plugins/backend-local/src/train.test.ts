import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunEvents, SeededRandom, TensorFile, TensorFileWriter, type ComputeBackend, type ModelShape, type RunEvent, type TrainContext, type TrainJob } from '@prd/core';
import { loadModel, predictTensorFile, saveModel, selectBackend, tfl, type LayersModel } from '@prd/tensor';
import plugins from './index.js';
import type { LocalConfig } from './options.js';

const LAYOUT = { heights: 8, profileFeatures: 3, singleLevel: 0, outputs: 4 };
const SHAPE: ModelShape = { ...LAYOUT, task: 'bands' };

/** Rows whose band fractions are a softmax of a fixed linear function of the profile: learnable, not trivial. */
function learnableFile(dir: string, name: string, rows: number, seed: number): TensorFile {
  const path = join(dir, name);
  const writer = new TensorFileWriter(path, LAYOUT);
  const random = new SeededRandom(seed);
  const inputs = LAYOUT.heights * LAYOUT.profileFeatures;
  const width = inputs + LAYOUT.outputs;
  const buf = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const logits = new Array<number>(LAYOUT.outputs).fill(0);
    for (let j = 0; j < inputs; j++) {
      const v = random.next() * 2 - 1;
      buf[r * width + j] = v;
      logits[j % LAYOUT.outputs] += v * (j < inputs / 2 ? 1.5 : -1);
    }
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, k) => (buf[r * width + inputs + k] = v / sum));
  }
  writer.append(buf, rows);
  writer.close();
  return TensorFile.open(path);
}

function smallModel(seed: number): LayersModel {
  const input = tfl.input({ shape: [LAYOUT.heights, LAYOUT.profileFeatures], name: 'profile_input' });
  const conv = tfl.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }).apply(input);
  const flat = tfl.layers.flatten().apply(conv);
  const out = tfl.layers.dense({ units: LAYOUT.outputs, activation: 'softmax', name: 'main_output', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }).apply(flat);
  return tfl.model({ inputs: input, outputs: out as tfl.SymbolicTensor });
}

function job(dir: string, overrides: Partial<TrainJob> = {}): TrainJob & { received: RunEvent[]; context: TrainContext } {
  const events = new RunEvents();
  const received: RunEvent[] = [];
  events.on((e) => received.push(e));
  return {
    model: { use: 'small', with: {} },
    shape: SHAPE,
    train: learnableFile(dir, 'train.f32', 512, 1).path,
    validation: learnableFile(dir, 'validation.f32', 256, 2).path,
    config: { epochs: 4, batchSize: 32, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.01 } } },
    seed: 5,
    modelDir: join(dir, 'model'),
    checkpointDir: join(dir, 'checkpoints'),
    resume: false,
    ...overrides,
    received,
    context: { model: { build: () => smallModel(11) }, events, signal: new AbortController().signal },
  };
}

const OPTIONS: LocalConfig = { device: 'wasm', workers: 0, keepCheckpoints: 3, validationBatchSize: 100, process: 'in-process' };
const backend = async (): Promise<ComputeBackend> =>
  (await plugins[0].create(OPTIONS, { seed: 1, baseDir: '.', pointer: '/compute', events: new RunEvents(), tempDir: tmpdir() })) as ComputeBackend;

describe('local backend training', () => {
  it('fits, reports every epoch, and saves a loadable model and its format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-local-'));
    const j = job(dir);
    const outcome = await (await backend()).train(j, j.context);
    expect(outcome.runtime).toBe('tfjs-wasm');
    expect(outcome.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    const losses = outcome.history.map((h) => h.metrics.loss);
    expect(losses[3]).toBeLessThan(losses[0] * 0.7);
    expect(Object.keys(outcome.history[0].metrics).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(j.received.filter((e) => e.type === 'epoch')).toHaveLength(4);
    expect(j.received.filter((e) => e.type === 'epoch:start').map((e) => (e as { batches: number }).batches)).toEqual([16, 16, 16, 16]);
    for (const f of ['model.json', 'weights.bin']) expect(existsSync(join(j.modelDir, f))).toBe(true);
    // MLmodel and preprocessing.json are core's to write, wherever the model was trained.
    expect(existsSync(join(j.modelDir, 'MLmodel'))).toBe(false);
    expect(outcome.saved).toMatchObject({ format: 'tfjs_layers_model', files: { model_json: 'model.json', weights: 'weights.bin' }, outputs: [{ shape: [4] }] });
  });

  it('reloads a saved model that predicts identically (to 1e-6)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-local-'));
    await selectBackend('wasm');
    const model = smallModel(3);
    const file = learnableFile(dir, 'x.f32', 300, 9);
    const before = predictTensorFile(model, file, { batchSize: 64 });
    await saveModel(model, join(dir, 'm'));
    const after = predictTensorFile(await loadModel(join(dir, 'm')), file, { batchSize: 128 });
    expect(after.length).toBe(300 * 4);
    let maxDiff = 0;
    for (let i = 0; i < before.length; i++) maxDiff = Math.max(maxDiff, Math.abs(before[i] - after[i]));
    expect(maxDiff).toBeLessThan(1e-6);
    // And through the plugin's predict, which loads from the directory.
    const viaPlugin = await (await backend()).predict({ modelDir: join(dir, 'm'), format: 'tfjs_layers_model', input: file, batchSize: 50, events: new RunEvents(), signal: new AbortController().signal });
    expect(Array.from(viaPlugin)).toEqual(Array.from(after));
    model.dispose();
  });
});
