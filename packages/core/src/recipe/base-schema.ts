import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { isList, isOptional, KINDS, type KindTable, type PluginRef } from '../plugin/kinds.js';

export type { PluginRef } from '../plugin/kinds.js';

const BandBounds = Type.Tuple([Type.Number(), Type.Number()], { description: '[lower, upper] in mm/h' });

/** The `data.features` block. */
export const FeaturesSchema = Type.Object(
  {
    profile: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Vertical-profile variables; each reads the columns {name}_{height}, heights ascending.',
    }),
    singleLevel: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Single-level input columns.' })),
    target: Type.Object(
      {
        bands: Type.Optional(
          Type.Union([Type.String({ minLength: 1, description: 'A band set of the data domain, such as standard-5.' }), Type.Record(Type.String(), BandBounds)], {
            description: 'Band set name (one the data domain defines, such as standard-5) or custom bands {key: [lower, upper]}.',
          }),
        ),
        source: Type.Optional(Type.String({ description: "Column prefix of the band fractions; default: the data domain's." })),
        column: Type.Optional(Type.String({ description: 'A single regression target column (instead of bands).' })),
        binary: Type.Optional(Type.Boolean({ description: 'The column holds 0 or 1 (rain / no rain, e.g. made by the binary-target transform): a sigmoid output trained with binary cross-entropy.' })),
      },
      { additionalProperties: false, description: 'What the model predicts: band fractions or one column.' },
    ),
    baseline: Type.Optional(
      Type.Union([
        Type.Object(
          {
            source: Type.Optional(Type.String({ description: "Column prefix of NWP band probabilities; default: the data domain's." })),
            ensembleRate: Type.Optional(Type.String({ description: 'Derive NWP band probabilities from this per-member rate column.' })),
          },
          { additionalProperties: false },
        ),
        Type.Literal(false),
      ], { description: 'The NWP forecast the model is compared with; false for none.' }),
    ),
    metadata: Type.Optional(Type.Array(Type.String(), { description: "Columns identifying a row; default: the data domain's (time, member, latitude, longitude)." })),
  },
  { additionalProperties: false },
);

const Optimizer = Type.Object(
  {
    adam: Type.Optional(
      Type.Object(
        {
          learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 0.001 })),
          beta1: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
          beta2: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
          epsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    sgd: Type.Optional(
      Type.Object(
        {
          learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 0.01 })),
          momentum: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1, description: 'One of {adam: {...}} or {sgd: {...}}.' },
);

/** The `train` block: how the model is fitted. */
export const TrainSchema = Type.Object(
  {
    epochs: Type.Optional(Type.Integer({ minimum: 1, default: 10 })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, default: 64 })),
    optimizer: Type.Optional(Optimizer),
    loss: Type.Optional(
      Type.Union([Type.Literal('kl-divergence'), Type.Literal('mse'), Type.Literal('mae'), Type.Literal('categorical-crossentropy'), Type.Literal('binary-crossentropy')], {
        description: 'Default kl-divergence for bands, mae for regression, binary-crossentropy for a binary target (as the seed).',
      }),
    ),
    shuffle: Type.Optional(Type.Boolean({ default: true })),
    earlyStopping: Type.Optional(
      Type.Object(
        {
          monitor: Type.Optional(Type.Union([Type.Literal('val_loss'), Type.Literal('loss')], { default: 'val_loss' })),
          patience: Type.Optional(Type.Integer({ minimum: 1, default: 3 })),
          minDelta: Type.Optional(Type.Number({ minimum: 0, default: 0 })),
          restoreBestWeights: Type.Optional(Type.Boolean({ default: true, description: 'Keep the weights of the best epoch (Keras restore_best_weights); was restoreBest before recipe format 2.' })),
        },
        { additionalProperties: false },
      ),
    ),
    learningRateSchedule: Type.Optional(
      Type.Union([
        Type.Object({ exponential: Type.Object({ decayRate: Type.Number({ exclusiveMinimum: 0, maximum: 1 }), everyEpochs: Type.Optional(Type.Integer({ minimum: 1, default: 1 })) }, { additionalProperties: false }) }, { additionalProperties: false }),
        Type.Object({ reduceOnPlateau: Type.Object({ factor: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }), patience: Type.Integer({ minimum: 1 }), minLearningRate: Type.Optional(Type.Number({ minimum: 0 })) }, { additionalProperties: false }) }, { additionalProperties: false }),
      ]),
    ),
  },
  { additionalProperties: false },
);

/** The `report` block: what the run's report draws (read by `prd run` and `prd report` from the run's recipe). */
export const ReportSchema = Type.Object(
  {
    mapTimes: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('all')], {
        default: 2,
        description: 'Validity times with forecast maps and postage stamps: the wettest N, or "all" (the seed\'s notebook looped over every time).',
      }),
    ),
  },
  { additionalProperties: false, description: 'What the report draws.' },
);

/** Resolved `train` block: validation has filled the defaults, so epochs and batch size are always set. */
export type TrainConfig = Static<typeof TrainSchema> & { epochs: number; batchSize: number };
/** Resolved `data.features` block. */
export type FeaturesConfig = Static<typeof FeaturesSchema>;
/** Resolved `report` block. */
export type ReportConfig = Static<typeof ReportSchema>;

/** A recipe after loading, interpolation and validation. */
export interface Recipe {
  $schema?: string;
  name: string;
  description?: string;
  extends?: string | string[];
  plugins?: string[];
  seed: number;
  data: {
    source: PluginRef;
    domain?: PluginRef;
    features: FeaturesConfig;
    transforms?: PluginRef[];
  };
  split: PluginRef;
  rebalance?: PluginRef;
  model: PluginRef;
  train: TrainConfig;
  compute?: PluginRef;
  track?: PluginRef[];
  evaluate?: PluginRef[];
  explain?: PluginRef[];
  report?: ReportConfig;
}

/**
 * The recipe schema: its fixed blocks, and a slot for each kind of the kinds table at the kind's JSON pointer (a
 * list for list kinds, optional where the kind is). `slot(kind)` gives one plugin's schema: composition passes the
 * union of the installed plugins of that kind.
 */
export function recipeSchema(slot: (kind: string) => TSchema, kinds: KindTable = KINDS): TSchema {
  const fixed: Record<string, TProperties> = {
    '': {
      $schema: Type.Optional(Type.String()),
      prd: Type.Optional(Type.String({ pattern: '^[1-9][0-9]*$', description: 'The recipe format this recipe is written in; prd migrate updates it.' })),
      name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'Names the runs of this recipe.' }),
      description: Type.Optional(Type.String()),
      extends: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'Parent recipe file(s), merged first.' })),
      plugins: Type.Optional(Type.Array(Type.String(), { description: 'Extra plugin packages or local paths to load.' })),
      seed: Type.Optional(Type.Integer({ default: 42, description: 'Seeds splits, resampling, initialisation and shuffling.' })),
      data: Type.Object({}), // placeholder, keeps the key's place; built below from its slots
    },
    '/data': { features: FeaturesSchema },
  };
  const after: Record<string, TProperties> = {
    '': {
      train: TrainSchema,
      sweep: Type.Optional(
        Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
          description: 'A hyperparameter sweep, checked and run by prd sweep (package @prd/sweep); null for none (a recipe that extends a sweep recipe).',
        }),
      ),
      report: Type.Optional(ReportSchema),
    },
  };
  for (const [kind, declaration] of Object.entries(kinds)) {
    const cut = declaration.slot.lastIndexOf('/');
    const parent = declaration.slot.slice(0, cut);
    const key = declaration.slot.slice(cut + 1);
    if (!(parent in fixed)) throw new Error(`kind "${kind}" has slot ${declaration.slot}, but ${parent || '/'} is not an object of the recipe (one of ${Object.keys(fixed).map((p) => p || '/').join(', ')})`);
    const one = slot(kind);
    const schema = isList(declaration) ? Type.Array(one, { description: declaration.description }) : one;
    fixed[parent][key] = isOptional(declaration) ? Type.Optional(schema) : schema;
  }
  const object = (pointer: string, options: object): TObject => Type.Object({ ...fixed[pointer], ...after[pointer] }, { additionalProperties: false, ...options });
  fixed[''].data = object('/data', {});
  return object('', { $id: 'https://prd.dev/recipe.schema.json', title: 'prd recipe' });
}
