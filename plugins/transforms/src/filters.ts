import { definePlugin, ident, literal, PrdError, requiredColumns, rowFilter, type Relation, type TableContext } from '@prd/core';
import { Type, type Static } from '@sinclair/typebox';
import { present, requireColumns, targetExpression } from './columns.js';

const DropMissingOptions = Type.Object(
  {
    columns: Type.Union([Type.Literal('all'), Type.Literal('used'), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
      default: 'all',
      description: "Which columns must have a value: all of them (the seed's dropna()), only those the recipe uses, or a list.",
    }),
    infinite: Type.Boolean({ default: false, description: 'Drop rows with an infinite value (inf, -inf) too; pandas dropna() keeps them, and the scaler rejects them.' }),
  },
  { additionalProperties: false },
);

/** Drop rows with a missing value (NULL or NaN), as the seed's `input_data.dropna()` (seed-pipeline.md §3.2 step 1). */
export function dropMissing(options: Omit<Static<typeof DropMissingOptions>, 'infinite'> & { infinite?: boolean }, input: Relation, ctx: TableContext): Relation {
  return rowFilter((c) => presentCondition(options, c)).apply(input, ctx);
}

/** The condition drop-missing keeps rows by. */
function presentCondition(options: Omit<Static<typeof DropMissingOptions>, 'infinite'> & { infinite?: boolean }, ctx: TableContext): string {
  let names: string[];
  if (options.columns === 'all') names = ctx.columns.map((c) => c.name);
  else if (options.columns === 'used') names = requiredColumns(ctx.features);
  else {
    requireColumns(ctx, options.columns, 'columns');
    names = options.columns;
  }
  const byName = new Map(ctx.columns.map((c) => [c.name, c]));
  const conditions = names.map((n) => byName.get(n)).filter((c) => c !== undefined).map((c) => present(c, options.infinite));
  return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
}

const RangeOptions = Type.Object(
  {
    column: Type.String({ minLength: 1, default: 'radar_mean_rain_instant', description: 'Column to filter on.' }),
    below: Type.Optional(Type.Number({ description: 'Keep rows with column < below.' })),
    atMost: Type.Optional(Type.Number({ description: 'Keep rows with column <= atMost.' })),
    above: Type.Optional(Type.Number({ description: 'Keep rows with column > above.' })),
    atLeast: Type.Optional(Type.Number({ description: 'Keep rows with column >= atLeast.' })),
  },
  { additionalProperties: false },
);

/**
 * Keep rows whose column lies in a range. With no bound, the seed's filter of spurious radar values:
 * `radar_mean_rain_instant < 50` (§3.2 step 2). Missing values fail every bound and are dropped, as in pandas.
 */
export function rangeFilter(options: Static<typeof RangeOptions>, input: Relation, ctx: TableContext): Relation {
  return rowFilter((c) => rangeCondition(options, c)).apply(input, ctx);
}

/** The condition range keeps rows by. */
function rangeCondition(options: Static<typeof RangeOptions>, ctx: TableContext): string {
  requireColumns(ctx, [options.column], 'column');
  const c = ident(options.column);
  const bounds: string[] = [];
  if (options.below !== undefined) bounds.push(`${c} < ${literal(options.below)}`);
  if (options.atMost !== undefined) bounds.push(`${c} <= ${literal(options.atMost)}`);
  if (options.above !== undefined) bounds.push(`${c} > ${literal(options.above)}`);
  if (options.atLeast !== undefined) bounds.push(`${c} >= ${literal(options.atLeast)}`);
  if (bounds.length === 0) bounds.push(`${c} < 50`);
  // NaN compares above every number in DuckDB, and pandas drops it too: say so explicitly for lower bounds.
  return `${bounds.join(' AND ')} AND NOT isnan(${c}::DOUBLE)`;
}

const DropDryOptions = Type.Object({}, { additionalProperties: false });

/**
 * Drop dry rows (§3.2 step 3): in bands mode, rows whose lowest target band has fraction exactly 1 (every radar
 * cell below the first threshold), as `data[data[target[0]] != 1]`; in regression mode, rows whose target is not
 * above 0, as `data[data[target] > 0]`.
 */
export function dropDry(input: Relation, ctx: TableContext): Relation {
  return rowFilter(dryCondition).apply(input, ctx);
}

/** The condition drop-dry keeps rows by. */
function dryCondition(ctx: TableContext): string {
  const first = targetExpression(ctx, 0);
  if (ctx.features.task === 'binary') {
    // The seed's binary model kept its dry rows (§5.5): they are the "no rain" class.
    throw PrdError.of({ pointer: ctx.pointer, message: 'drop-dry would remove the "no rain" class of a binary target; remove this transform' });
  }
  if (ctx.features.task === 'regression') return `${first} > 0`;
  // pandas keeps NaN != 1 rows; IS DISTINCT FROM does the same for NULL.
  return `(${first}) IS DISTINCT FROM 1`;
}

/** The filtering transforms. */
export const filterPlugins = [
  definePlugin({
    kind: 'transform',
    name: 'drop-missing',
    description: "Drop rows with a missing (NULL or NaN) value, in every column as the seed's dropna() or in chosen ones.",
    options: DropMissingOptions,
    create: (options) => rowFilter((ctx) => presentCondition(options, ctx)),
  }),
  definePlugin({
    kind: 'transform',
    name: 'range',
    description: 'Keep rows whose column lies in a range (default: the seed\'s radar_mean_rain_instant < 50).',
    options: RangeOptions,
    create: (options) => rowFilter((ctx) => rangeCondition(options, ctx)),
  }),
  definePlugin({
    kind: 'transform',
    name: 'drop-dry',
    description: 'Drop rows where the lowest target band holds the whole cell (fraction 1), or, for regression, where the target is 0.',
    options: DropDryOptions,
    create: () => rowFilter(dryCondition),
  }),
];
