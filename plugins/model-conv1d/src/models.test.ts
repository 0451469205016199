import { describe, expect, it } from 'vitest';
import { RunEvents, type ModelBuilder } from '@prd/core';
import { FusedTrainer, readModelWeights, type DescribesArchitecture, type FusedArchitecture } from '@prd/fused';
import { selectBackend, tf, type LayersModel } from '@prd/tensor';
import plugins, { buildConv1dResidual, buildMlp } from './index.js';
import type { Conv1dResidualConfig } from './options.js';

const SEED_OPTIONS: Conv1dResidualConfig = { filters: 32, kernelSize: 3, convLayers: 3, headUnits: [1024, 1024], activation: 'relu', dropout: 0 };
const PROFILE_ONLY = { heights: 33, profileFeatures: 5, singleLevel: 0, outputs: 5, task: 'bands' as const };

describe('conv1d-residual', () => {
  it("has the seed's 181,694 parameters for 33 heights x 5 features -> 5 bands, layer by layer", async () => {
    await selectBackend('cpu');
    const model = buildConv1dResidual(PROFILE_ONLY, SEED_OPTIONS, 42);
    // Seed summary: conv1d 480, conv1d_1 3072, conv1d_2 3072, dense 174 240, main_output 830.
    const counts = Object.fromEntries(model.layers.map((l) => [l.name, l.countParams()]));
    expect(counts).toMatchObject({ conv1d: 480, conv1d_1: 3072, conv1d_2: 3072, add: 0, flatten: 0, dense: 174_240, main_output: 830 });
    expect(model.countParams()).toBe(181_694);
    expect(model.inputNames).toEqual(['profile_input']);
    expect(model.outputs[0].shape).toEqual([null, 5]);
    model.dispose();
  });

  it('adds the single-level branch: raw-input skip and two Dense(1024) without bias', async () => {
    await selectBackend('cpu');
    const model = buildConv1dResidual({ ...PROFILE_ONLY, singleLevel: 3 }, SEED_OPTIONS, 42);
    expect(model.inputNames).toEqual(['profile_input', 'surf_input']);
    // 6,624 conv + 174,240 dense + 168 x 1024 + 1024 x 1024 + (1024 x 5 + 5)
    expect(model.countParams()).toBe(6_624 + 174_240 + 172_032 + 1_048_576 + 5_125);
    const p = model.predict([tf.ones([2, 33, 5]), tf.ones([2, 3])]) as tf.Tensor;
    const sums = tf.sum(p, -1).arraySync() as number[];
    sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
    model.dispose();
  });

  it('has a linear output for regression', async () => {
    await selectBackend('cpu');
    const model = buildConv1dResidual({ ...PROFILE_ONLY, outputs: 1, task: 'regression' }, SEED_OPTIONS, 42);
    const last = model.getLayer('main_output').getConfig() as { activation: string };
    expect(last.activation).toBe('linear');
    model.dispose();
  });

  it('initialises the same weights from the same seed and different ones from another seed', async () => {
    await selectBackend('cpu');
    const weights = (seed: number) => {
      const m = buildConv1dResidual(PROFILE_ONLY, SEED_OPTIONS, seed);
      const w = m.getWeights().map((t) => Array.from(t.dataSync()));
      m.dispose();
      return w;
    };
    const a = weights(7);
    expect(weights(7)).toEqual(a);
    expect(weights(8)[0]).not.toEqual(a[0]);
  });
});

describe('mlp', () => {
  it('flattens the profile, appends single-level values and ends in a softmax', async () => {
    await selectBackend('cpu');
    const model = buildMlp({ ...PROFILE_ONLY, singleLevel: 2 }, { hiddenUnits: [16, 8], activation: 'relu', dropout: 0 }, 1);
    // (165 + 2) x 16 + 16, 16 x 8 + 8, 8 x 5 + 5
    expect(model.countParams()).toBe(167 * 16 + 16 + 16 * 8 + 8 + 8 * 5 + 5);
    expect(model.inputNames).toEqual(['profile_input', 'surf_input']);
    model.dispose();
  });
});

describe('plugins', () => {
  it('exports conv1d-residual and mlp as model plugins whose builders take the run seed', async () => {
    expect(plugins.map((p) => `${p.kind}:${p.name}`)).toEqual(['model:conv1d-residual', 'model:mlp']);
    await selectBackend('cpu');
    const builder = (await plugins[0].create(SEED_OPTIONS, { seed: 3, baseDir: '.', pointer: '/model', events: new RunEvents(), tempDir: '.' })) as ModelBuilder;
    const model = (await builder.build(PROFILE_ONLY)) as { countParams(): number; dispose(): void };
    expect(model.countParams()).toBe(181_694);
    model.dispose();
  });
});

describe('fused architecture descriptions', () => {
  const shapes = [
    ['the seed model', PROFILE_ONLY],
    ['single-level inputs', { heights: 8, profileFeatures: 3, singleLevel: 2, outputs: 4, task: 'bands' as const }],
    ['regression', { heights: 8, profileFeatures: 3, singleLevel: 0, outputs: 1, task: 'regression' as const }],
  ] as const;
  const builders = [
    ['conv1d-residual', plugins[0], { ...SEED_OPTIONS, headUnits: [16, 8], dropout: 0.2 }],
    ['conv1d-residual with conv biases and dropout (§5.4)', plugins[0], { ...SEED_OPTIONS, headUnits: [16, 8], convBias: true, convDropout: 0.1 }],
    ['mlp', plugins[1], { hiddenUnits: [12, 6], activation: 'elu', dropout: 0.1 }],
  ] as const;
  for (const [modelName, plugin, options] of builders) {
    for (const [label, shape] of shapes) {
      it(`describe what ${modelName} builds (${label}): the same weights, and the same outputs`, async () => {
        await selectBackend('cpu');
        const builder = (await plugin.create(options as never, { seed: 5, baseDir: '.', pointer: '/model', events: new RunEvents(), tempDir: '.' })) as ModelBuilder & DescribesArchitecture;
        const model = (await builder.build(shape)) as LayersModel;
        const arch = builder.fusedArchitecture(shape) as FusedArchitecture;
        // Every Dropout layer of the model is in the description (weights and outputs alone would not show one missing).
        const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => l.name);
        expect(arch.layers.filter((l) => l.type === 'dropout').map((l) => l.name)).toEqual(dropouts);
        const trainer = new FusedTrainer(arch, 3, 'mse', { type: 'adam' });
        readModelWeights(trainer.network, model);
        expect(trainer.network.parameterCount).toBe(model.countParams());
        const rows = 3;
        const profile = Float32Array.from({ length: rows * shape.heights * shape.profileFeatures }, (_, i) => Math.sin(i));
        const singleLevel = Float32Array.from({ length: rows * shape.singleLevel }, (_, i) => Math.cos(i));
        const inputs = [tf.tensor3d(profile, [rows, shape.heights, shape.profileFeatures])];
        if (shape.singleLevel > 0) inputs.push(tf.tensor2d(singleLevel, [rows, shape.singleLevel]) as never);
        const expected = (model.predict(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor).dataSync();
        const actual = trainer.predict({ size: rows, profile, singleLevel });
        actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
        model.dispose();
      });
    }
  }
});
