import { tf, tfl, type LayersModel, type SymbolicTensor } from '@prd/tensor';
import type { FusedArchitecture } from './architecture.js';
import type { FusedBatch } from './trainer.js';

// Test helpers (not built into dist): small tfjs models written out layer by layer beside their fused description.

/** A deterministic pseudo-random generator (mulberry32) for test data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A batch of standardised-looking inputs and softmax-like (or regression) targets. */
export function makeBatch(rows: number, arch: FusedArchitecture, outputs: number, seed: number, bands = true): FusedBatch {
  const next = random(seed);
  const profile = Float32Array.from({ length: rows * arch.heights * arch.profileFeatures }, () => (next() - 0.5) * 3);
  const singleLevel = Float32Array.from({ length: rows * arch.singleLevel }, () => (next() - 0.5) * 2);
  const target = new Float32Array(rows * outputs);
  for (let r = 0; r < rows; r++) {
    const e = Array.from({ length: outputs }, () => (bands ? Math.exp(3 * next()) * (next() < 0.3 ? 0 : 1) + 1e-9 : next() * 4));
    const sum = bands ? e.reduce((a, b) => a + b, 0) : 1;
    e.forEach((v, k) => (target[r * outputs + k] = v / sum));
  }
  return { size: rows, profile, singleLevel, target };
}

/** The seed's conv1d-residual as tfjs layers (as @prd/model-conv1d builds it) and its fused description. */
export function convResidual(heights: number, features: number, singleLevel: number, outputs: number, opts: { filters?: number; dense?: number; head?: number[]; dropout?: number; softmax?: boolean } = {}): { model: LayersModel; arch: FusedArchitecture } {
  const filters = opts.filters ?? 32;
  const denseUnits = opts.dense ?? heights * features;
  const init = (name: string) => tfl.initializers.glorotUniform({ seed: name.length * 7 + 3 });
  const profile = tfl.input({ shape: [heights, features], name: 'profile_input' });
  const conv = (name: string, x: SymbolicTensor) => tfl.layers.conv1d({ name, filters, kernelSize: 3, padding: 'same', useBias: false, activation: 'relu', kernelInitializer: init(name) }).apply(x) as SymbolicTensor;
  const c0 = conv('conv1d', profile);
  const c2 = conv('conv1d_2', conv('conv1d_1', c0));
  const added = tfl.layers.add({ name: 'add' }).apply([c2, c0]) as SymbolicTensor;
  const flat = tfl.layers.flatten({ name: 'flatten' }).apply(added) as SymbolicTensor;
  let x = tfl.layers.dense({ name: 'dense', units: denseUnits, useBias: false, activation: 'relu', kernelInitializer: init('dense') }).apply(flat) as SymbolicTensor;
  const layers: FusedArchitecture['layers'] = [
    { type: 'conv1d', name: 'conv1d', filters, kernelSize: 3, useBias: false, activation: 'relu' },
    { type: 'conv1d', name: 'conv1d_1', filters, kernelSize: 3, useBias: false, activation: 'relu' },
    { type: 'conv1d', name: 'conv1d_2', filters, kernelSize: 3, useBias: false, activation: 'relu' },
    { type: 'add', name: 'add', from: 'conv1d' },
    { type: 'flatten', name: 'flatten' },
    { type: 'dense', name: 'dense', units: denseUnits, useBias: false, activation: 'relu' },
  ];
  if (opts.dropout) {
    x = tfl.layers.dropout({ name: 'dropout', rate: opts.dropout, seed: 5 }).apply(x) as SymbolicTensor;
    layers.push({ type: 'dropout', name: 'dropout', rate: opts.dropout });
  }
  const inputs = [profile];
  if (singleLevel > 0) {
    const surf = tfl.input({ shape: [singleLevel], name: 'surf_input' });
    inputs.push(surf);
    const raw = tfl.layers.concatenate({ name: 'concatenate_raw' }).apply([tfl.layers.flatten({ name: 'flatten_profile_input' }).apply(profile) as SymbolicTensor, surf]) as SymbolicTensor;
    const joined = tfl.layers.concatenate({ name: 'concatenate' }).apply([x, surf]) as SymbolicTensor;
    x = tfl.layers.add({ name: 'add_skip' }).apply([joined, raw]) as SymbolicTensor;
    layers.push({ type: 'concatSurface', name: 'concatenate' }, { type: 'addRawInputs', name: 'add_skip' });
    (opts.head ?? [16, 8]).forEach((units, i) => {
      const name = `dense_head_${i + 1}`;
      x = tfl.layers.dense({ name, units, useBias: false, activation: 'relu', kernelInitializer: init(name) }).apply(x) as SymbolicTensor;
      layers.push({ type: 'dense', name, units, useBias: false, activation: 'relu' });
    });
  }
  const softmax = opts.softmax ?? true;
  const out = tfl.layers.dense({ name: 'main_output', units: outputs, activation: softmax ? 'softmax' : 'linear', kernelInitializer: init('main_output'), biasInitializer: tfl.initializers.glorotUniform({ seed: 11 }) }).apply(x) as SymbolicTensor;
  layers.push({ type: 'dense', name: 'main_output', units: outputs, useBias: true, activation: softmax ? 'softmax' : 'linear' });
  return { model: tfl.model({ inputs, outputs: out }), arch: { heights, profileFeatures: features, singleLevel, layers } };
}

/** An mlp (as @prd/model-conv1d's `mlp`) with biases, tanh hidden layers and optional dropout. */
export function mlp(heights: number, features: number, singleLevel: number, outputs: number, hidden: number[], dropout = 0): { model: LayersModel; arch: FusedArchitecture } {
  const profile = tfl.input({ shape: [heights, features], name: 'profile_input' });
  const inputs = [profile];
  let x = tfl.layers.flatten({ name: 'flatten' }).apply(profile) as SymbolicTensor;
  const layers: FusedArchitecture['layers'] = [{ type: 'flatten', name: 'flatten' }];
  if (singleLevel > 0) {
    const surf = tfl.input({ shape: [singleLevel], name: 'surf_input' });
    inputs.push(surf);
    x = tfl.layers.concatenate({ name: 'concatenate' }).apply([x, surf]) as SymbolicTensor;
    layers.push({ type: 'concatSurface', name: 'concatenate' });
  }
  hidden.forEach((units, i) => {
    const name = `dense_${i + 1}`;
    x = tfl.layers.dense({ name, units, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: i + 1 }), biasInitializer: 'glorotUniform' }).apply(x) as SymbolicTensor;
    layers.push({ type: 'dense', name, units, useBias: true, activation: 'tanh' });
    if (dropout > 0) {
      x = tfl.layers.dropout({ name: `dropout_${i + 1}`, rate: dropout, seed: 11 + i }).apply(x) as SymbolicTensor;
      layers.push({ type: 'dropout', name: `dropout_${i + 1}`, rate: dropout });
    }
  });
  x = tfl.layers.dense({ name: 'main_output', units: outputs, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 9 }) }).apply(x) as SymbolicTensor;
  layers.push({ type: 'dense', name: 'main_output', units: outputs, useBias: true, activation: 'softmax' });
  return { model: tfl.model({ inputs, outputs: x }), arch: { heights, profileFeatures: features, singleLevel, layers } };
}

/** The model's inputs for a batch, as prd's tfjs path builds them. */
export function tfInputs(model: LayersModel, batch: FusedBatch, arch: FusedArchitecture): tf.Tensor[] {
  const inputs: tf.Tensor[] = [tf.tensor3d(batch.profile, [batch.size, arch.heights, arch.profileFeatures])];
  if (model.inputNames.length > 1) inputs.push(tf.tensor2d(batch.singleLevel, [batch.size, arch.singleLevel]));
  return inputs;
}

/** max |a − b| / max |b|: the error relative to the tensor's scale. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
