import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunEvents, SeededRandom, TensorFile, TensorFileWriter, type ExplainInput, type Explainer, type ModelShape, type PluginContext, type ResolvedFeatures } from '@prd/core';
import { saveModel, selectBackend, tf, tfl, type LayersModel, type SymbolicTensor } from '@prd/tensor';
import plugins from './index.js';
import { permuteProfileFeature } from './permutation.js';
import { rewire } from './rewire.js';
import { readRowsAt, type Sample } from './sample.js';
import { seedRow } from './saliency.js';

const HEIGHTS = [10, 100, 500, 1000, 2000, 3000, 4000, 6000];
const FEATURES = ['relative_humidity', 'air_temperature', 'wind_from_direction'];
let dir: string;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'prd-explain-'));
});

function features(singleLevel: string[] = []): ResolvedFeatures {
  return {
    metadata: ['time', 'realization', 'latitude', 'longitude'],
    heights: HEIGHTS,
    profile: FEATURES.map((name) => ({ name, columns: HEIGHTS.map((h) => `${name}_${h.toFixed(1)}`) })),
    singleLevel,
    task: 'bands',
    bands: [
      { key: '0.0', lower: 0, upper: 0.01 },
      { key: '0.25', lower: 0.01, upper: 0.5 },
      { key: '2.5', lower: 0.5, upper: 4 },
    ],
    targetColumns: [],
    targetSources: [],
    prefixes: { truth: 'radar_fraction_in_band_instant', nwp: 'mogrepsg_fraction_in_band_instant', ml: 'ml_fraction_in_band_instant' },
    baseline: { kind: 'none' },
  };
}

/**
 * Synthetic rows whose truth uses humidity in the lowest four levels and temperature in the upper four, and never
 * the wind direction: band fractions = softmax(2 * low humidity, 1.5 * high temperature, 0).
 */
function writeRows(path: string, rows: number, seed: number): TensorFile {
  const random = new SeededRandom(seed);
  const h = HEIGHTS.length;
  const f = FEATURES.length;
  const writer = new TensorFileWriter(path, { heights: h, profileFeatures: f, singleLevel: 0, outputs: 3 });
  const row = new Float32Array(h * f + 3);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < h * f; i++) row[i] = random.normal();
    let humidity = 0;
    let temperature = 0;
    for (let i = 0; i < 4; i++) humidity += row[i * f] / 4;
    for (let i = 4; i < h; i++) temperature += row[i * f + 1] / 4;
    const logits = [2 * humidity, 1.5 * temperature, 0];
    const sum = logits.reduce((a, b) => a + Math.exp(b), 0);
    logits.forEach((l, k) => (row[h * f + k] = Math.exp(l) / sum));
    writer.append(row, 1);
  }
  writer.close();
  return TensorFile.open(path);
}

/**
 * The seed's residual net in small (the layer names conv1d-residual gives), with weights set so it computes the
 * truth of {@link writeRows} exactly: both convolutions are identities, so the residual add holds A = 2x, and the
 * output layer reads 0.25 A (= 0.5 x) of low-level humidity and 0.1875 A of high-level temperature.
 */
function exactNet(): LayersModel {
  const h = HEIGHTS.length;
  const f = FEATURES.length;
  const identity = () => [tf.tensor3d([[[1, 0, 0], [0, 1, 0], [0, 0, 1]]])];
  const input = tfl.input({ shape: [h, f], name: 'profile_input' });
  const c0 = tfl.layers.conv1d({ name: 'conv1d', filters: f, kernelSize: 1, useBias: false, weights: identity() }).apply(input) as SymbolicTensor;
  const c1 = tfl.layers.conv1d({ name: 'conv1d_1', filters: f, kernelSize: 1, useBias: false, weights: identity() }).apply(c0) as SymbolicTensor;
  const add = tfl.layers.add({ name: 'add' }).apply([c1, c0]) as SymbolicTensor;
  const flat = tfl.layers.flatten({ name: 'flatten' }).apply(add) as SymbolicTensor;
  const w = Array.from({ length: h * f }, () => [0, 0, 0]);
  for (let i = 0; i < 4; i++) w[i * f][0] = 0.25;
  for (let i = 4; i < h; i++) w[i * f + 1][1] = 0.1875;
  const out = tfl.layers.dense({ name: 'main_output', units: 3, activation: 'softmax', weights: [tf.tensor2d(w), tf.zeros([3])] }).apply(flat) as SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

let exact: { modelDir: string; test: TensorFile } | undefined;

/** The exact net, saved as a run saves its model, and 800 test rows. */
async function exactModel(): Promise<{ modelDir: string; test: TensorFile }> {
  if (exact) return exact;
  const test = writeRows(join(dir, 'test.f32'), 800, 2);
  const model = exactNet();
  const modelDir = join(dir, 'model');
  await saveModel(model, modelDir);
  model.dispose();
  exact = { modelDir, test };
  return exact;
}

async function explainer(name: string, options: Record<string, unknown>): Promise<Explainer> {
  const context: PluginContext = { seed: 42, baseDir: dir, pointer: '/explain/0', events: new RunEvents(), tempDir: dir };
  return (await plugins.find((p) => p.name === name)!.create(options, context)) as Explainer;
}

function explainInput(modelDir: string, test: TensorFile, name: string): ExplainInput {
  const outDir = join(dir, 'explain', name);
  mkdirSync(outDir, { recursive: true });
  const shape: ModelShape = { heights: HEIGHTS.length, profileFeatures: FEATURES.length, singleLevel: 0, outputs: 3, task: 'bands' };
  return { modelDir, test, features: features(), shape, outDir, events: new RunEvents(), signal: new AbortController().signal };
}

describe('permutation-importance', () => {
  it('ranks the feature the truth does not use last, at exactly zero, and repeats exactly with its seed', async () => {
    const { modelDir, test } = await exactModel();
    const options = { repeats: 4, maxRows: 600, device: 'cpu' };
    const input = explainInput(modelDir, test, 'permutation-importance');
    const outcome = await (await explainer('permutation-importance', options)).explain(input);
    const result = JSON.parse(readFileSync(join(input.outDir, 'importance.json'), 'utf8'));
    expect(outcome.files).toEqual(['importance.json']);
    expect(result).toMatchObject({ metric: 'kl_divergence', repeats: 4, rows: 600 });
    const ranked = result.features.map((f: { name: string }) => f.name);
    expect(ranked[2]).toBe('wind_from_direction');
    const [first, second, unused] = result.features as Array<{ mean: number; std: number; values: number[] }>;
    // Humidity carries the larger logit (2 x its mean against 1.5 x), so it matters most.
    expect(ranked.slice(0, 2)).toEqual(['relative_humidity', 'air_temperature']);
    expect(second.mean).toBeGreaterThan(0.05);
    expect(first.mean).toBeGreaterThan(second.mean);
    expect(second.std).toBeGreaterThan(0);
    // The model never reads the wind direction: shuffling it changes no prediction.
    expect(unused.values).toEqual([0, 0, 0, 0]);
    expect(result.baseline).toBeLessThan(1e-6);
    const again = await (await explainer('permutation-importance', options)).explain(input);
    expect(again.summary).toEqual(outcome.summary);
  }, 120_000);

  it('scores a regression model with the mean absolute error', async () => {
    // y = humidity at the lowest level; the model computes exactly that, so only humidity matters.
    const h = HEIGHTS.length;
    const path = join(dir, 'regression.f32');
    const random = new SeededRandom(5);
    const writer = new TensorFileWriter(path, { heights: h, profileFeatures: 3, singleLevel: 0, outputs: 1 });
    for (let r = 0; r < 300; r++) {
      const row = Float32Array.from({ length: h * 3 + 1 }, () => random.normal());
      row[h * 3] = row[0];
      writer.append(row, 1);
    }
    writer.close();
    const input = tfl.input({ shape: [h, 3], name: 'profile_input' });
    const flat = tfl.layers.flatten({ name: 'flatten' }).apply(input) as SymbolicTensor;
    const w = Array.from({ length: h * 3 }, (_, i) => [i === 0 ? 1 : 0]);
    const out = tfl.layers.dense({ name: 'main_output', units: 1, weights: [tf.tensor2d(w), tf.zeros([1])] }).apply(flat) as SymbolicTensor;
    const modelDir = join(dir, 'regression-model');
    await saveModel(tfl.model({ inputs: input, outputs: out }), modelDir);
    const explained = { ...explainInput(modelDir, TensorFile.open(path), 'permutation-regression'), shape: { heights: h, profileFeatures: 3, singleLevel: 0, outputs: 1, task: 'regression' as const } };
    const outcome = await (await explainer('permutation-importance', { repeats: 2, maxRows: 300, device: 'cpu' })).explain(explained);
    const result = JSON.parse(readFileSync(join(explained.outDir, 'importance.json'), 'utf8'));
    expect(result.metric).toBe('mae');
    expect(outcome.summary).toMatchObject({ baseline_mae: 0 });
    expect(result.features.map((f: { name: string; mean: number }) => [f.name, f.mean > 0.5])).toEqual([['relative_humidity', true], ['air_temperature', false], ['wind_from_direction', false]]);
  });

  it('shuffles a whole profile feature between rows, every height together, and nothing else', () => {
    const sample: Sample = { rows: [0, 1], size: 2, heights: 2, profileFeatures: 2, singleLevel: 0, outputs: 1, profile: Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40]), single: new Float32Array(0), target: new Float32Array(2) };
    // Rows swapped for feature 0: row 0 takes row 1's heights [3, 4], row 1 takes [1, 2]; feature 1 stays.
    expect(Array.from(permuteProfileFeature(sample, 0, [1, 0]))).toEqual([3, 10, 4, 20, 1, 30, 2, 40]);
  });
});

describe('saliency', () => {
  it('rewired models reproduce the model: head(trunk(x)) = model(x), and softmax of the logits head = model(x)', async () => {
    const { modelDir } = await exactModel();
    const { loadModel } = await import('@prd/tensor');
    const model = await loadModel(modelDir);
    const x = tf.randomNormal([5, HEIGHTS.length, FEATURES.length], 0, 1, 'float32', 3);
    const trunk = tfl.model({ inputs: model.inputs, outputs: model.getLayer('add').output as SymbolicTensor });
    const head = rewire(model, { cut: model.getLayer('add'), logits: false });
    const logits = rewire(model, { logits: true });
    const expected = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const viaHead = (head.predict(trunk.predict(x) as tf.Tensor) as tf.Tensor).arraySync() as number[][];
    const viaLogits = (tf.softmax(logits.predict(x) as tf.Tensor) as tf.Tensor).arraySync() as number[][];
    expect(head.inputs).toHaveLength(1);
    for (let i = 0; i < 5; i++) {
      for (let k = 0; k < 3; k++) {
        expect(viaHead[i][k]).toBeCloseTo(expected[i][k], 5);
        expect(viaLogits[i][k]).toBeCloseTo(expected[i][k], 5);
      }
    }
  }, 120_000);

  it('Grad-CAM of a hand-built net equals the formula: relu(A . mean_h dlogit/dA) / max', async () => {
    // profile (4 heights x 1 feature) -> conv1d (kernel 1, 2 filters: x and -x) -> conv1d_1 (identity) -> add
    // -> flatten -> main_output (softmax). Then dlogit_k/dA[h,c] = W[2h + c, k], and A = 2 x conv1d output.
    const input = tfl.input({ shape: [4, 1], name: 'profile_input' });
    const c0 = tfl.layers.conv1d({ name: 'conv1d', filters: 2, kernelSize: 1, useBias: false, weights: [tf.tensor3d([[[1, -1]]])] }).apply(input) as SymbolicTensor;
    const c1 = tfl.layers.conv1d({ name: 'conv1d_1', filters: 2, kernelSize: 1, useBias: false, weights: [tf.tensor3d([[[1, 0], [0, 1]]])] }).apply(c0) as SymbolicTensor;
    const add = tfl.layers.add({ name: 'add' }).apply([c1, c0]) as SymbolicTensor;
    const flat = tfl.layers.flatten({ name: 'flatten' }).apply(add) as SymbolicTensor;
    const W = [[0.5, -1], [0.2, 0.3], [1, 0], [-0.4, 0.1], [0.3, 0.2], [0, -0.5], [0.7, 0.6], [-0.2, 0.4]];
    const out = tfl.layers.dense({ name: 'main_output', units: 2, activation: 'softmax', weights: [tf.tensor2d(W), tf.zeros([2])] }).apply(flat) as SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const modelDir = join(dir, 'hand-model');
    await saveModel(model, modelDir);
    const testPath = join(dir, 'hand.f32');
    const writer = new TensorFileWriter(testPath, { heights: 4, profileFeatures: 1, singleLevel: 0, outputs: 2 });
    const profile = [1, 2, -1, 0.5];
    writer.append(Float32Array.from([...profile, 0.2, 0.8]), 1);
    writer.close();
    const input2: ExplainInput = { ...explainInput(modelDir, TensorFile.open(testPath), 'saliency-hand'), shape: { heights: 4, profileFeatures: 1, singleLevel: 0, outputs: 2, task: 'bands' } };
    input2.features = { ...features(), heights: [5, 10, 20, 30], profile: [{ name: 'relative_humidity', columns: [] }], bands: [{ key: 'a', lower: 0, upper: 1 }, { key: 'b', lower: 1, upper: 2 }] };
    await (await explainer('saliency', { layer: 'add', rows: [0], gradientRows: 1, output: 'logits', device: 'cpu' })).explain(input2);
    const result = JSON.parse(readFileSync(join(input2.outDir, 'saliency.json'), 'utf8'));
    const A = profile.map((v) => [2 * v, -2 * v]);
    for (const k of [0, 1]) {
      const weights = [0, 1].map((c) => (W[c][k] + W[2 + c][k] + W[4 + c][k] + W[6 + c][k]) / 4);
      const heat = A.map(([a0, a1]) => Math.max(0, a0 * weights[0] + a1 * weights[1]));
      const max = Math.max(...heat);
      const want = heat.map((v) => v / max);
      result.samples[0].gradCam[k].values.forEach((v: number, h: number) => expect(v).toBeCloseTo(want[h], 5));
    }
    expect(result.heights).toEqual([5, 10, 20, 30]);
    // Input gradient of logit k with respect to x_h: (W[2h][k] - W[2h+1][k]) * 2, exactly, for this linear net.
    const gradient = result.gradients[0].values.map((perFeature: number[]) => perFeature[0]);
    gradient.forEach((g: number, h: number) => expect(g).toBeCloseTo(Math.abs(2 * (W[2 * h][0] - W[2 * h + 1][0])), 5));
  }, 120_000);

  it('explains the seed row by default; Grad-CAM and input gradients find the levels and features the truth uses', async () => {
    const { modelDir, test } = await exactModel();
    const input = explainInput(modelDir, test, 'saliency');
    const outcome = await (await explainer('saliency', { layer: 'add', rows: [], gradientRows: 400, output: 'logits', device: 'cpu' })).explain(input);
    const result = JSON.parse(readFileSync(join(input.outDir, 'saliency.json'), 'utf8'));
    expect(outcome.files).toEqual(['saliency.json']);
    expect(result.samples).toHaveLength(1);
    expect(result.samples[0].reason).toBe('largest radar fraction in band 2.5 over the whole test set');
    expect(result.heights).toEqual(HEIGHTS);
    // Band 0 reads the humidity channel, so Grad-CAM weighs that channel alone: relu(humidity) per level, scaled
    // to 1. (The channel weight is averaged over heights, so it marks every level where humidity is high, also
    // above the four the score reads: Grad-CAM localises channels, input gradients localise levels.)
    const row = readRowsAt(test, [result.samples[0].row]);
    const humidity = HEIGHTS.map((_, h) => Math.max(0, row.profile[h * 3]));
    const max = Math.max(...humidity);
    result.samples[0].gradCam[0].values.forEach((v: number, h: number) => expect(v).toBeCloseTo(max > 0 ? humidity[h] / max : 0, 5));
    // Input gradients of the logits: 0.5 per low-level humidity value for band 0, 0.375 per high-level
    // temperature value for band 1, nothing for the wind direction.
    const g = result.gradients as Array<{ band: string; values: number[][] }>;
    g[0].values.forEach((perFeature, h) => expect(perFeature).toEqual([h < 4 ? 0.5 : 0, 0, 0].map((v) => expect.closeTo(v, 6))));
    g[1].values.forEach((perFeature, h) => expect(perFeature).toEqual([0, h >= 4 ? 0.375 : 0, 0].map((v) => expect.closeTo(v, 6))));
  }, 120_000);

  it('names the layers when the recipe names one the model does not have', async () => {
    const { modelDir, test } = await exactModel();
    const run = (await explainer('saliency', { layer: 'ad', rows: [], gradientRows: 10, output: 'logits', device: 'cpu' })).explain(explainInput(modelDir, test, 'saliency-bad'));
    await expect(run).rejects.toMatchObject({ message: 'the model has no layer "ad"', issues: [{ pointer: '/explain/0/with/layer', suggestion: 'add' }] });
  }, 120_000);

  it('picks the row with the largest fraction in the highest band that has rain', () => {
    const sample = { size: 3, outputs: 3, target: Float32Array.from([1, 0, 0, 0.5, 0.4, 0, 0.2, 0.7, 0]) } as Sample;
    expect(seedRow(sample)).toEqual({ index: 2, band: 1 });
  });
});

describe('filters', () => {
  it('writes the first Conv1D kernel, min-max normalised over all weights, per filter x position x feature', async () => {
    // kernel[position][feature][filter] = 100 position + 10 feature + filter: every weight tells where it belongs.
    const kernel = Array.from({ length: 2 }, (_, k) => Array.from({ length: 3 }, (_, c) => Array.from({ length: 4 }, (_, f) => 100 * k + 10 * c + f)));
    const input = tfl.input({ shape: [HEIGHTS.length, FEATURES.length], name: 'profile_input' });
    const conv = tfl.layers.conv1d({ name: 'conv1d', filters: 4, kernelSize: 2, useBias: false, weights: [tf.tensor3d(kernel)] }).apply(input) as SymbolicTensor;
    const flat = tfl.layers.flatten({ name: 'flatten' }).apply(conv) as SymbolicTensor;
    const out = tfl.layers.dense({ name: 'main_output', units: 3, activation: 'softmax' }).apply(flat) as SymbolicTensor;
    const modelDir = join(dir, 'filters-model');
    await saveModel(tfl.model({ inputs: input, outputs: out }), modelDir);
    const { test } = await exactModel();
    const explained = explainInput(modelDir, test, 'filters');
    const outcome = await (await explainer('filters', { device: 'cpu' })).explain(explained);
    const result = JSON.parse(readFileSync(join(explained.outDir, 'filters.json'), 'utf8'));
    expect(result).toMatchObject({ layer: 'conv1d', kernelSize: 2, features: FEATURES, min: 0, max: 123 });
    expect(outcome.summary).toEqual({ filters: 4, kernel_size: 2, weight_min: 0, weight_max: 123 });
    expect(result.filters).toHaveLength(4);
    expect(result.filters[3][1][2]).toBeCloseTo(123 / 123, 9);
    expect(result.filters[2][0][1]).toBeCloseTo(12 / 123, 9);
    expect(result.filters[1][1][0]).toBeCloseTo(101 / 123, 9);
  }, 120_000);

  it('refuses a layer that is not a Conv1D', async () => {
    const { modelDir, test } = await exactModel();
    await expect((await explainer('filters', { layer: 'flatten', device: 'cpu' })).explain(explainInput(modelDir, test, 'filters-bad'))).rejects.toThrow('"filters" draws Conv1D kernels, and layer "flatten" is a Flatten');
  });
});

describe('sample', () => {
  it('reads chosen rows of a tensor file', async () => {
    const { test } = await exactModel();
    const sample = readRowsAt(test, [5, 2]);
    expect(sample.rows).toEqual([2, 5]);
    expect(Array.from(sample.target.subarray(3, 6))).toEqual(Array.from(test.readRows(5, 1).subarray(24, 27)));
  });
});
