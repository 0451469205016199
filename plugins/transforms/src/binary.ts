import { definePlugin, ident, type Relation, type TableContext, type Transform } from '@prd/core';
import { Type, type Static } from '@sinclair/typebox';
import { requireColumns } from './columns.js';

const BinaryTargetOptions = Type.Object(
  {
    column: Type.String({ minLength: 1, default: 'radar_mean_rain_instant', description: 'The rain column the target is made from (the seed: rainfall_rate_composite).' }),
    above: Type.Number({ default: 0, description: 'Rain means a value above this (the seed: > 0).' }),
    name: Type.String({ minLength: 1, default: 'raining', description: 'The new 0/1 column (the seed: raining).' }),
  },
  { additionalProperties: false },
);

/**
 * The seed's binary target (seed-pipeline.md §5.5): `raining = np.where(column > above, 1, 0)`, a 0/1 column. A
 * missing value stays missing (drop-missing removes the row) rather than counting as no rain.
 */
export function binaryTarget(options: Static<typeof BinaryTargetOptions>, input: Relation, ctx: TableContext): Relation {
  requireColumns(ctx, [options.column], 'column');
  const c = ident(options.column);
  return { sql: `SELECT *, CASE WHEN ${c} IS NULL OR isnan(${c}::DOUBLE) THEN NULL WHEN ${c} > ${options.above} THEN 1.0 ELSE 0.0 END AS ${ident(options.name)} FROM (${input.sql})` };
}

/** The binary-target transform. */
export const binaryPlugins = [
  definePlugin({
    kind: 'transform',
    name: 'binary-target',
    description: 'A 0/1 rain / no-rain column from a rain column (the seed\'s raining = value > 0), for a binary target.',
    options: BinaryTargetOptions,
    create: (options): Transform => ({ apply: (input, ctx) => binaryTarget(options, input, ctx) }),
  }),
];
