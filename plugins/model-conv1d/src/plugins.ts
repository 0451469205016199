import { definePlugin, type AnyPlugin, type ModelBuilder } from '@prd/core';
import type { DescribesArchitecture } from '@prd/fused';
import type { LayersModel } from '@prd/tensor';
import { conv1dResidualArchitecture, mlpArchitecture } from './architecture.js';
import { Conv1dResidualOptions, MlpOptions } from './options.js';

// The plugin entry prd discovers: schemas only. TensorFlow.js is loaded when a model is built, so commands that
// only read recipes (validate, plan, plugins) do not pay for it. Each builder also describes its network for the
// fused training runtime (@prd/fused), so the local backend can train it without tfjs' per-op dispatch.
const plugins: AnyPlugin[] = [
  definePlugin({
    kind: 'model',
    name: 'conv1d-residual',
    description: "The seed's residual 1-D CNN over height: 3 x Conv1D(32, 3) with a residual add, Dense, softmax bands (181,694 parameters for 33 heights x 5 features)",
    options: Conv1dResidualOptions,
    create: (options, ctx): ModelBuilder<LayersModel> & DescribesArchitecture => ({
      build: async (shape) => (await import('./conv1d-residual.js')).buildConv1dResidual(shape, options, ctx.seed),
      fusedArchitecture: (shape) => conv1dResidualArchitecture(shape, options),
    }),
  }),
  definePlugin({
    kind: 'model',
    name: 'mlp',
    description: 'A plain multi-layer perceptron on the flattened profile and single-level inputs (baseline)',
    options: MlpOptions,
    create: (options, ctx): ModelBuilder<LayersModel> & DescribesArchitecture => ({
      build: async (shape) => (await import('./mlp.js')).buildMlp(shape, options, ctx.seed),
      fusedArchitecture: (shape) => mlpArchitecture(shape, options),
    }),
  }),
];

export default plugins;
