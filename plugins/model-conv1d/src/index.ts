import { definePlugin, type AnyPlugin, type ModelBuilder } from '@prd/core';
import type { LayersModel } from '@prd/tensor';
import { buildConv1dResidual, Conv1dResidualOptions } from './conv1d-residual.js';
import { buildMlp, MlpOptions } from './mlp.js';

export { buildConv1dResidual, Conv1dResidualOptions, type Conv1dResidualConfig } from './conv1d-residual.js';
export { buildMlp, MlpOptions, type MlpConfig } from './mlp.js';

const plugins: AnyPlugin[] = [
  definePlugin({
    kind: 'model',
    name: 'conv1d-residual',
    description: "The seed's residual 1-D CNN over height: 3 x Conv1D(32, 3) with a residual add, Dense, softmax bands (181,694 parameters for 33 heights x 5 features)",
    options: Conv1dResidualOptions,
    create: (options, ctx): ModelBuilder<LayersModel> => ({ build: (shape) => buildConv1dResidual(shape, options, ctx.seed) }),
  }),
  definePlugin({
    kind: 'model',
    name: 'mlp',
    description: 'A plain multi-layer perceptron on the flattened profile and single-level inputs (baseline)',
    options: MlpOptions,
    create: (options, ctx): ModelBuilder<LayersModel> => ({ build: (shape) => buildMlp(shape, options, ctx.seed) }),
  }),
];

export default plugins;
