import { Type, type Static } from '@sinclair/typebox';

/** Options of the `conv1d-residual` model (defaults are the seed's network). */
export const Conv1dResidualOptions = Type.Object(
  {
    filters: Type.Integer({ minimum: 1, default: 32, description: 'Filters of each Conv1D layer' }),
    kernelSize: Type.Integer({ minimum: 1, default: 3, description: 'Kernel width of each Conv1D layer (heights); "same" padding keeps the profile length' }),
    convLayers: Type.Integer({ minimum: 2, default: 3, description: 'Conv1D layers; the residual adds the first layer\'s output to the last one\'s' }),
    denseUnits: Type.Optional(Type.Integer({ minimum: 1, description: 'Units of the Dense layer after Flatten; default heights x profile features' })),
    headUnits: Type.Array(Type.Integer({ minimum: 1 }), { default: [1024, 1024], description: 'Dense layers of the head used when there are single-level inputs' }),
    activation: Type.Union([Type.Literal('relu'), Type.Literal('elu'), Type.Literal('tanh'), Type.Literal('sigmoid')], { default: 'relu' }),
    dropout: Type.Number({ minimum: 0, maximum: 0.95, default: 0, description: 'Dropout rate after the Dense layer (0: none, as the seed)' }),
    // The seed's development variants (seed-pipeline.md §5.4).
    convDropout: Type.Optional(Type.Number({ minimum: 0, maximum: 0.95, default: 0, description: 'Dropout rate after the first Conv1D layer, before the residual branch (prd_fraction_model_dev used 0.1; 0: none)' })),
    convBias: Type.Optional(Type.Boolean({ default: false, description: 'Conv1D layers with a bias (prd_fraction_model_dev; the main model has none)' })),
    l2: Type.Optional(Type.Number({ minimum: 0, default: 0, description: 'L2 kernel regularisation of the Dense layer after Flatten: l2 x sum(w²) is added to the loss (fraction_model_dev\'s kernel_regularizer="l2" is 0.01; 0: none). Trains on tfjs, not the fused runtime' })),
  },
  { additionalProperties: false },
);
/** Resolved options of `conv1d-residual`. */
export type Conv1dResidualConfig = Static<typeof Conv1dResidualOptions>;

/** Options of the `mlp` baseline model. */
export const MlpOptions = Type.Object(
  {
    hiddenUnits: Type.Array(Type.Integer({ minimum: 1 }), { default: [256, 128], description: 'Units of each hidden Dense layer' }),
    activation: Type.Union([Type.Literal('relu'), Type.Literal('elu'), Type.Literal('tanh'), Type.Literal('sigmoid')], { default: 'relu' }),
    dropout: Type.Number({ minimum: 0, maximum: 0.95, default: 0, description: 'Dropout rate after each hidden layer' }),
    l2: Type.Optional(Type.Number({ minimum: 0, default: 0, description: 'L2 kernel regularisation of each hidden Dense layer: l2 x sum(w²) per layer is added to the loss (0: none). Trains on tfjs, not the fused runtime' })),
  },
  { additionalProperties: false },
);
/** Resolved options of `mlp`. */
export type MlpConfig = Static<typeof MlpOptions>;
