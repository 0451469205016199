import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Interval = {
  evaluationInterval: Type.Optional(Type.Integer({ minimum: 1, default: 1, description: 'Apply the rule at every N-th epoch.' })),
  delayEvaluation: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Apply the rule only after this many epochs.' })),
};

const dist = <N extends string, T extends Record<string, TSchema>>(name: N, fields: T, description: string) =>
  Type.Object({ distribution: Type.Literal(name), ...fields }, { additionalProperties: false, description });

/** One searched value: a distribution (the names and parameters of AzureML / HyperDrive, bounds as values). */
export const DistributionSchema = Type.Union([
  dist('choice', { values: Type.Array(Type.Unknown(), { minItems: 1, description: 'The values to choose from (any JSON).' }) }, 'One of the listed values, each equally likely.'),
  dist('uniform', { min: Type.Number(), max: Type.Number() }, 'Uniform between min and max.'),
  dist('loguniform', { min: Type.Number({ exclusiveMinimum: 0 }), max: Type.Number({ exclusiveMinimum: 0 }) }, 'exp(uniform(ln min, ln max)): every decade equally likely (learning rates).'),
  dist('quniform', { min: Type.Number(), max: Type.Number(), q: Type.Number({ exclusiveMinimum: 0 }) }, 'round(uniform(min, max) / q) * q.'),
  dist('qloguniform', { min: Type.Number({ exclusiveMinimum: 0 }), max: Type.Number({ exclusiveMinimum: 0 }), q: Type.Number({ exclusiveMinimum: 0 }) }, 'round(loguniform(min, max) / q) * q.'),
  dist('randint', { lower: Type.Optional(Type.Integer({ default: 0 })), upper: Type.Integer() }, 'An integer from lower (default 0) to upper - 1.'),
  dist('normal', { mu: Type.Number(), sigma: Type.Number({ exclusiveMinimum: 0 }) }, 'Normal with mean mu and standard deviation sigma.'),
]);
/** One searched value's distribution. */
export type Distribution = Static<typeof DistributionSchema>;

/** How trials' values are drawn. */
export const SamplingSchema = Type.Union([
  Type.Object({ method: Type.Literal('random') }, { additionalProperties: false, description: 'Independent draws.' }),
  Type.Object({ method: Type.Literal('grid') }, { additionalProperties: false, description: 'Every combination of finite spaces (choice, randint, quniform), in order.' }),
  Type.Object({ method: Type.Literal('sobol') }, { additionalProperties: false, description: 'A scrambled Sobol sequence: random-looking but evenly spread.' }),
  Type.Object(
    {
      method: Type.Literal('tpe'),
      startupTrials: Type.Optional(Type.Integer({ minimum: 1, default: 5, description: 'Random trials before the model is used.' })),
      candidates: Type.Optional(Type.Integer({ minimum: 1, default: 24, description: 'Candidates drawn from the good model per value.' })),
    },
    { additionalProperties: false, description: 'Tree-structured Parzen estimator (model-based, as Optuna / hyperopt).' },
  ),
]);
/** The sampling section. */
export type Sampling = Static<typeof SamplingSchema>;

/** What a sweep optimises. */
export const ObjectiveSchema = Type.Object(
  {
    metric: Type.String({
      minLength: 1,
      description: 'A per-epoch training metric (loss, val_loss, accuracy, val_accuracy) or an end metric path of metrics.json joined with "/" (test/fss/4.0/ml).',
    }),
    goal: Type.Union([Type.Literal('minimize'), Type.Literal('maximize')]),
  },
  { additionalProperties: false },
);
/** The objective section. */
export type Objective = Static<typeof ObjectiveSchema>;

/** When trials are stopped before their last epoch. */
export const EarlyTerminationSchema = Type.Union([
  Type.Object(
    {
      policy: Type.Literal('bandit'),
      slackFactor: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Stop a trial worse than best x (1 + slackFactor) (minimize) or best / (1 + slackFactor) (maximize).' })),
      slackAmount: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Stop a trial worse than the best by more than this amount.' })),
      ...Interval,
    },
    { additionalProperties: false, description: 'Stop a trial whose metric is not within a slack of the best trial at the same epoch (AzureML BanditPolicy).' },
  ),
  Type.Object({ policy: Type.Literal('median-stopping'), ...Interval }, {
    additionalProperties: false,
    description: "Stop a trial whose best metric is worse than the median of the other trials' running averages at the same epoch.",
  }),
  Type.Object(
    { policy: Type.Literal('truncation-selection'), truncationPercentage: Type.Integer({ minimum: 1, maximum: 99, description: 'The worst percentage of trials at an epoch is stopped.' }), ...Interval },
    { additionalProperties: false, description: 'Stop the worst percentage of trials at each evaluated epoch.' },
  ),
  Type.Object(
    {
      policy: Type.Literal('asha'),
      minEpochs: Type.Optional(Type.Integer({ minimum: 1, default: 1, description: 'The first rung (epochs).' })),
      reductionFactor: Type.Optional(Type.Integer({ minimum: 2, default: 3, description: 'Rungs are at minEpochs x factor^k; the best 1/factor at a rung go on.' })),
    },
    { additionalProperties: false, description: 'Asynchronous successive halving (ASHA): at each rung only the best 1/reductionFactor of trials continue.' },
  ),
]);
/** The earlyTermination section. */
export type EarlyTermination = Static<typeof EarlyTerminationSchema>;

/** The `sweep` section of a recipe. */
export const SweepSchema = Type.Object(
  {
    space: Type.Record(Type.String({ minLength: 1 }), DistributionSchema, {
      minProperties: 1,
      description: 'Recipe paths as in --set (train.optimizer.adam.learningRate) to the distribution each is drawn from.',
    }),
    sampling: Type.Optional(SamplingSchema),
    objective: ObjectiveSchema,
    earlyTermination: Type.Optional(EarlyTerminationSchema),
    limits: Type.Object(
      {
        trials: Type.Integer({ minimum: 1, description: 'Trials in all.' }),
        concurrency: Type.Optional(Type.Integer({ minimum: 1, default: 1, description: 'Trials at once (at most the cores of the machine, locally).' })),
        trialTimeoutSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'A trial running longer is stopped.' })),
        timeoutSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'The whole sweep: no trial starts after this, running ones are stopped.' })),
      },
      { additionalProperties: false },
    ),
    seed: Type.Optional(Type.Integer({ description: "Seeds the sampler; default the recipe's seed." })),
  },
  { additionalProperties: false, description: 'A hyperparameter sweep, run with prd sweep.' },
);
/** The `sweep` section as written. */
export type SweepSpec = Static<typeof SweepSchema>;
