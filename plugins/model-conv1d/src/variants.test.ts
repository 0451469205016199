import { describe, expect, it } from 'vitest';
import { selectBackend } from '@prd/tensor';
import { buildConv1dResidual, buildMlp } from './index.js';
import type { Conv1dResidualConfig } from './options.js';

// The seed's fraction-model development variants (seed-pipeline.md §5.4) as options of conv1d-residual.
const SEED_OPTIONS: Conv1dResidualConfig = { filters: 32, kernelSize: 3, convLayers: 3, headUnits: [1024, 1024], activation: 'relu', dropout: 0 };
const SHAPE = { heights: 33, profileFeatures: 5, singleLevel: 0, outputs: 5, task: 'bands' as const };

describe('conv1d-residual variants (§5.4)', () => {
  it('adds Dropout after the first Conv1D, ahead of the residual branch, and biases to the Conv1D layers', async () => {
    await selectBackend('cpu');
    const model = buildConv1dResidual(SHAPE, { ...SEED_OPTIONS, convDropout: 0.1, convBias: true }, 42);
    const names = model.layers.map((l) => l.name);
    expect(names.indexOf('dropout_conv1d')).toBe(names.indexOf('conv1d') + 1);
    // The residual adds the dropped-out first layer: the add layer's inputs are conv1d_2 and dropout_conv1d.
    const add = model.getLayer('add');
    expect(add.inboundNodes[0].inboundLayers.map((l) => l.name)).toEqual(['conv1d_2', 'dropout_conv1d']);
    // 32 biases per Conv1D layer on top of the seed's 181,694 parameters.
    expect(model.countParams()).toBe(181_694 + 3 * 32);
    model.dispose();
  });

  it('builds fewer or more Conv1D layers', async () => {
    await selectBackend('cpu');
    for (const convLayers of [2, 5]) {
      const model = buildConv1dResidual(SHAPE, { ...SEED_OPTIONS, convLayers }, 42);
      expect(model.layers.filter((l) => l.getClassName() === 'Conv1D')).toHaveLength(convLayers);
      expect(model.countParams()).toBe(181_694 + (convLayers - 3) * 3072);
      model.dispose();
    }
  });
});

describe('conv1d-residual and mlp with L2 (fraction_model_dev, §5.4)', () => {
  it('regularise only the Dense layer after Flatten (conv1d-residual) or the hidden layers (mlp), by l2 x sum(w²)', async () => {
    await selectBackend('cpu');
    const model = buildConv1dResidual(SHAPE, { ...SEED_OPTIONS, l2: 0.01 }, 42);
    expect(model.layers.filter((l) => l.losses.length > 0).map((l) => l.name)).toEqual(['dense']);
    const kernel = Array.from(model.getLayer('dense').getWeights()[0].dataSync());
    const [penalty] = model.calculateLosses().map((t) => t.dataSync()[0]);
    expect(penalty).toBeCloseTo(0.01 * kernel.reduce((s, w) => s + w * w, 0), 4);
    expect(model.countParams()).toBe(181_694);
    model.dispose();
    const mlp = buildMlp(SHAPE, { hiddenUnits: [8, 4], activation: 'relu', dropout: 0, l2: 0.1 }, 1);
    expect(mlp.layers.filter((l) => l.losses.length > 0).map((l) => l.name)).toEqual(['dense_1', 'dense_2']);
    mlp.dispose();
    const plain = buildConv1dResidual(SHAPE, SEED_OPTIONS, 42);
    expect(plain.layers.some((l) => l.losses.length > 0)).toBe(false);
    plain.dispose();
  });
});
