import { definePlugin, ident, PrdError, type Relation, type Sampler, type TableContext } from '@prd/core';
import { Type, type Static } from '@sinclair/typebox';
import { checkFractions, fraction, hashThresholds, keyHash, splitCase, withSplit } from './fractions.js';

const TimeSpaceOptions = Type.Object(
  {
    validation: fraction(0.2, 'Fraction of (time, cell) keys for validation.'),
    test: fraction(0.2, 'Fraction of (time, cell) keys for test.'),
    keys: Type.Array(Type.String({ minLength: 1 }), {
      default: ['time', 'latitude', 'longitude'],
      minItems: 1,
      description: 'Columns whose combination is kept in one split (all ensemble members of a time and cell).',
    }),
    seed: Type.Optional(Type.Integer({ description: "Seed of the draw; defaults to the recipe's seed." })),
  },
  { additionalProperties: false },
);

/** Options of the `time-space` sampler. */
export type TimeSpaceOptions = Static<typeof TimeSpaceOptions>;

/**
 * Split by (time, latitude, longitude) keys so that all members of a key share a split, as the seed's
 * `random_time_space_sample` (§4.2), in one pass for train / validation / test: round(K x test) of the K distinct
 * keys go to test and round(K x validation) to validation (pandas' `sample(frac=)` rounding).
 *
 * Fixed seed quirk: the seed drew keys only from rows with `realization == 0`, so keys whose cycle labels its
 * members 17-34 could never be chosen for test. Here every distinct key can be drawn.
 */
export async function timeSpaceSplit(options: TimeSpaceOptions, seed: number, input: Relation, ctx: TableContext): Promise<Relation> {
  checkFractions(options.validation, options.test, ctx.pointer);
  const names = new Set(ctx.columns.map((c) => c.name));
  const missing = options.keys.filter((k) => !names.has(k));
  if (missing.length > 0) {
    throw PrdError.of({ pointer: `${ctx.pointer}/with/keys`, message: `key column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} not in the data` });
  }
  const hash = keyHash(options.seed ?? seed, options.keys);
  const keys: Relation = { sql: `SELECT DISTINCT ${options.keys.map(ident).join(', ')} FROM (${input.sql})` };
  const thresholds = await hashThresholds(ctx.engine, keys, hash, options.test, options.validation, 'round');
  return withSplit(input, splitCase(hash, thresholds), names.has('split'));
}

/** `split: { use: "time-space" }`. */
export const timeSpaceSampler = definePlugin({
  kind: 'sampler',
  name: 'time-space',
  description: 'Seeded split of (time, latitude, longitude) keys: all ensemble members of a key land in the same split.',
  options: TimeSpaceOptions,
  create(options, context): Sampler {
    return { assign: (input, ctx) => timeSpaceSplit(options, context.seed, input, ctx) };
  },
});
