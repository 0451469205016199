import { definePlugin, type AnyPlugin } from '@prd/core';
import { Type } from '@sinclair/typebox';

// The plugin entry prd discovers: option schemas only; the explainers and TensorFlow.js load when a run explains.
const Device = Type.Union([Type.Literal('auto'), Type.Literal('gpu'), Type.Literal('native'), Type.Literal('wasm'), Type.Literal('cpu')], {
  default: 'auto',
  description: 'TensorFlow.js backend when training did not already choose one in this process',
});

const plugins: AnyPlugin[] = [
  definePlugin({
    kind: 'explainer',
    name: 'permutation-importance',
    description: 'Permutation feature importance: increase of the KL divergence when a profile or single-level feature is shuffled across test rows',
    outputs: {
      metrics: { importance: { label: 'Permutation importance (increase of the KL divergence)', direction: 'higher' } },
      files: [{ path: 'importance.json', format: 'prd-importance', description: 'Mean and standard deviation of the loss increase per feature' }],
    },
    options: Type.Object(
      {
        repeats: Type.Integer({ minimum: 1, default: 10, description: 'Shuffles per feature (the seed used 10)' }),
        maxRows: Type.Integer({ minimum: 2, default: 5000, description: 'Test rows used, a seeded random subset when there are more' }),
        seed: Type.Optional(Type.Integer({ description: 'Seed of the row subset and the shuffles; default derived from the recipe seed' })),
        multiPass: Type.Union([Type.Literal('none'), Type.Literal('forward'), Type.Literal('backward'), Type.Literal('both')], {
          default: 'none',
          description:
            "Lakshmanan multi-pass rankings as well: forward keeps the most damaging feature shuffled and repeats (the seed's, made cumulative); backward starts all shuffled and restores the most helpful first (finds one of two redundant features)",
        }),
        perHeight: Type.Boolean({ default: false, description: 'Also shuffle each profile feature one height level at a time (the seed\'s per-height importance)' }),
        device: Device,
      },
      { additionalProperties: false },
    ),
    create: (options, context) => ({ explain: async (input) => (await import('./permutation.js')).permutationImportance(input, options, context.seed) }),
  }),
  definePlugin({
    kind: 'explainer',
    name: 'saliency',
    description: 'Grad-CAM saliency per height level (residual add of the conv net) for chosen test rows, and mean input-gradient profiles',
    outputs: { files: [{ path: 'saliency.json', format: 'prd-saliency', description: 'Grad-CAM profiles of chosen rows and mean input-gradient profiles' }] },
    options: Type.Object(
      {
        layer: Type.String({ default: 'add', description: 'Layer whose activations Grad-CAM weighs (the seed used the residual add)' }),
        rows: Type.Array(Type.Integer({ minimum: 0 }), { default: [], description: 'Test rows to explain; empty: the test row with the largest radar fraction in the highest band with rain, searched over the whole test set (the seed\'s argmax)' }),
        gradientRows: Type.Integer({ minimum: 1, default: 2000, description: 'Test rows averaged for the input-gradient profiles' }),
        output: Type.Union([Type.Literal('logits'), Type.Literal('probabilities')], { default: 'logits', description: 'Explain pre-softmax scores (what the seed intended) or the predicted fractions (what its code did)' }),
        device: Device,
      },
      { additionalProperties: false },
    ),
    create: (options, context) => ({ explain: async (input) => (await import('./saliency.js')).saliency(input, options, context.seed, context.pointer) }),
  }),
  definePlugin({
    kind: 'explainer',
    name: 'filters',
    description: 'First-layer Conv1D filter pictures, weights min-max normalised as the seed does',
    outputs: { files: [{ path: 'filters.json', format: 'prd-filters', description: 'First-layer filter weights, min-max normalised' }] },
    options: Type.Object(
      {
        layer: Type.Optional(Type.String({ description: 'Conv1D layer to draw; default the first' })),
        device: Device,
      },
      { additionalProperties: false },
    ),
    create: (options, context) => ({ explain: async (input) => (await import('./filters.js')).filterPictures(input, options, context.pointer) }),
  }),
];

export default plugins;
