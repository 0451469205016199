import { definePlugin, type Sampler, type TableContext } from '@prd/core';
import { Type, type Static } from '@sinclair/typebox';
import { checkFractions, fraction, hashThresholds, keyHash, splitCase, withSplit } from './fractions.js';

const RandomOptions = Type.Object(
  {
    validation: fraction(0.2, 'Fraction of rows for validation.'),
    test: fraction(0.2, 'Fraction of rows for test.'),
    seed: Type.Optional(Type.Integer({ description: "Seed of the draw; defaults to the recipe's seed." })),
  },
  { additionalProperties: false },
);

/**
 * Row-level random split, as the seed's `random_sample` (seed-pipeline.md §4.1): exactly int(N x test) rows go to
 * test and int(N x validation) to validation. Members of one (time, cell) can land in different splits; use
 * `time-space` to keep them together. Rows are drawn by a seeded hash of their metadata columns, so the split does
 * not depend on the order rows are read in.
 */
export async function randomSplit(options: Static<typeof RandomOptions>, seed: number, input: { sql: string }, ctx: TableContext) {
  checkFractions(options.validation, options.test, ctx.pointer);
  const hash = keyHash(options.seed ?? seed, ctx.features.metadata);
  const thresholds = await hashThresholds(ctx.engine, input, hash, options.test, options.validation, 'floor');
  return withSplit(input, splitCase(hash, thresholds), ctx.columns.some((c) => c.name === 'split'));
}

/** `split: { use: "random" }`. */
export const randomSampler = definePlugin({
  kind: 'sampler',
  name: 'random',
  description: 'Row-level seeded random split into train / validation / test (members of a cell may be split apart).',
  options: RandomOptions,
  create(options, context): Sampler {
    return { assign: (input, ctx) => randomSplit(options, context.seed, input, ctx) };
  },
});
