import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PrdError, RunEvents, type ModelBuilder, type ModelShape, type TrainContext, type TrainJob, type TrainOutcome } from '@prd/core';
import type { FusedArchitecture } from '@prd/fused';
import { klDivergence, loadModel, predictTensorFile, tf, tfl, type LayersModel } from '@prd/tensor';
import type { LocalConfig } from './options.js';
import { tinyModel, tinyTensorFile, TINY_LAYOUT } from './tiny.fixture.js';
import { trainLocal } from './trainer.js';

const SHAPE: ModelShape = { ...TINY_LAYOUT, task: 'bands' };
const dir = mkdtempSync(join(tmpdir(), 'prd-fused-stepper-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
tinyTensorFile(dir, 'train.f32', 300, 1);
const validation = tinyTensorFile(dir, 'validation.f32', 100, 2);

/** Conv1D(4, relu) -> Flatten -> Dropout(0.2) -> Dense(3, softmax), named layers, and its fused description. */
function describedModel(l2 = 0): LayersModel {
  const input = tfl.input({ shape: [6, 2], name: 'profile_input' });
  const conv = tfl.layers.conv1d({ name: 'conv', filters: 4, kernelSize: 3, padding: 'same', useBias: false, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input);
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(conv);
  const drop = tfl.layers.dropout({ name: 'drop', rate: 0.2, seed: 3 }).apply(flat);
  const regulariser = l2 > 0 ? tfl.regularizers.l2({ l2 }) : undefined;
  const out = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'main_output', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }), kernelRegularizer: regulariser }).apply(drop);
  return tfl.model({ inputs: input, outputs: out as tfl.SymbolicTensor });
}
const ARCHITECTURE: FusedArchitecture = {
  ...TINY_LAYOUT,
  layers: [
    { type: 'conv1d', name: 'conv', filters: 4, kernelSize: 3, useBias: false, activation: 'relu' },
    { type: 'flatten', name: 'flat' },
    { type: 'dropout', name: 'drop', rate: 0.2 },
    { type: 'dense', name: 'main_output', units: 3, useBias: true, activation: 'softmax' },
  ],
};

function job(name: string, overrides: Partial<TrainJob> = {}): TrainJob {
  return {
    model: { use: 'described', with: {} },
    shape: SHAPE,
    train: join(dir, 'train.f32'),
    validation: join(dir, 'validation.f32'),
    config: { epochs: 3, batchSize: 32, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.01 } } },
    seed: 5,
    modelDir: join(dir, name, 'model'),
    checkpointDir: join(dir, name, 'checkpoints'),
    resume: false,
    ...overrides,
  };
}

/** The builder of a model that describes its architecture for the fused runtime. */
const described = { build: () => describedModel(), fusedArchitecture: () => ARCHITECTURE } as ModelBuilder;
const context = (model: ModelBuilder = described): TrainContext => ({ model, events: new RunEvents(), signal: new AbortController().signal });

const options = (runtime: LocalConfig['runtime']): LocalConfig => ({ device: 'cpu', workers: 0, runtime, keepCheckpoints: 3, validationBatchSize: 100, process: 'in-process' });
const losses = (o: TrainOutcome) => o.history.flatMap((r) => [r.metrics.loss, r.metrics.val_loss, r.metrics.accuracy]);

describe('compute.with.runtime', () => {
  it('fused trains a described model as tfjs does (losses, validation, accuracy per epoch), and saves a tfjs model', async () => {
    const tfjs = await trainLocal(job('tfjs'), context(), options('tfjs'));
    const fused = await trainLocal(job('fused'), context(), options('fused'));
    expect(tfjs.runtime).toBe('tfjs-cpu');
    expect(fused.runtime).toMatch(/^fused wasm-simd/);
    losses(fused).forEach((v, i) => expect(Math.abs(v - losses(tfjs)[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(losses(tfjs)[i]))));
    // The saved model is a tfjs layers model that predicts what the tfjs-trained one predicts.
    const a = predictTensorFile(await loadModel(join(dir, 'fused', 'model')), validation);
    const b = predictTensorFile(await loadModel(join(dir, 'tfjs', 'model')), validation);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 3));
  });

  it('fused resumes from a checkpoint exactly (weights, Adam moments and dropout draws restored)', async () => {
    const whole = await trainLocal(job('whole'), context(), options('fused'));
    await trainLocal(job('part', { config: { ...job('part').config, epochs: 2 } }), context(), options('fused'));
    const resumed = await trainLocal(job('part', { resume: true }), context(), options('fused'));
    expect(losses(resumed)).toEqual(losses(whole));
  });

  it('fused with workers splits each batch across threads and trains as one thread does (within 1e-4), resuming too', async () => {
    const single = await trainLocal(job('one-thread'), context(), options('fused'));
    const ctx = context();
    const logged: string[] = [];
    ctx.events.on((e) => e.type === 'log' && logged.push(e.message));
    const threaded = await trainLocal(job('threads'), ctx, { ...options('fused'), workers: 2 });
    expect(threaded.runtime).toMatch(/^fused wasm-simd x3 \(validation on tfjs-cpu\)$/);
    expect(logged.some((m) => /fused step on the .* kernels, data-parallel on 3 threads/.test(m))).toBe(true);
    losses(threaded).forEach((v, i) => expect(Math.abs(v - losses(single)[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(losses(single)[i]))));
    // A resumed data-parallel run continues where its checkpoint left off.
    await trainLocal(job('threads-part', { config: { ...job('threads-part').config, epochs: 2 } }), context(), { ...options('fused'), workers: 2 });
    const resumed = await trainLocal(job('threads-part', { resume: true }), context(), { ...options('fused'), workers: 2 });
    losses(resumed).forEach((v, i) => expect(Math.abs(v - losses(threaded)[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(losses(threaded)[i]))));
  });

  it('auto uses fused for a described model and tfjs for any other; fused insists with a PrdError', async () => {
    const auto = await trainLocal(job('auto', { config: { ...job('auto').config, epochs: 1 } }), context(), options('auto'));
    expect(auto.runtime).toMatch(/^fused/);
    const other = job('other', { config: { ...job('other').config, epochs: 1 } });
    expect((await trainLocal(other, context({ build: () => tinyModel() }), options('auto'))).runtime).toBe('tfjs-cpu');
    const error = await trainLocal(job('other2'), context({ build: () => tinyModel() }), options('fused')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrdError);
    expect((error as Error).message).toMatch(/does not describe its architecture.*runtime/);
  });

  it('auto trains an L2-regularised model on tfjs and says why in one line; fused refuses it with a PrdError', async () => {
    const l2 = 0.05;
    const regularised = { build: () => describedModel(l2), fusedArchitecture: () => ARCHITECTURE } as ModelBuilder;
    const ctx = context(regularised);
    const logged: string[] = [];
    ctx.events.on((e) => e.type === 'log' && logged.push(e.message));
    const auto = await trainLocal(job('l2', { config: { ...job('l2').config, epochs: 1 } }), ctx, options('auto'));
    expect(auto.runtime).toBe('tfjs-cpu');
    expect(logged.filter((m) => m.startsWith('training on tfjs'))).toEqual(['training on tfjs: the model has L2 kernel regularisation (model.with.l2), which the fused kernels do not add to the loss']);
    // val_loss is Keras': the data loss of the trained model plus l2 x sum(w²) of its regularised kernel.
    const trained = await loadModel(join(dir, 'l2', 'model'));
    const predicted = predictTensorFile(trained, validation);
    const [all] = [...validation.batches({ batchSize: validation.rows })];
    const truth = all.target;
    const dataLoss = klDivergence(tf.tensor2d(truth, [validation.rows, 3]), tf.tensor2d(predicted, [validation.rows, 3])).dataSync()[0];
    const kernel = Array.from(trained.getLayer('main_output').getWeights()[0].dataSync());
    const penalty = l2 * kernel.reduce((sum, w) => sum + w * w, 0);
    expect(penalty).toBeGreaterThan(0.001);
    expect(auto.history[0].metrics.val_loss).toBeCloseTo(dataLoss + penalty, 5);
    const error = await trainLocal(job('l2-fused'), context(regularised), options('fused')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrdError);
    expect((error as Error).message).toMatch(/runtime is "fused", but the model has L2 kernel regularisation/);
  });
});
