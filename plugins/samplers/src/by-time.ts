import { definePlugin, ident, literal, type Relation, type Sampler, type TableContext } from '@prd/core';
import { Type, type Static } from '@sinclair/typebox';
import { requireColumn } from './columns.js';
import { checkFractions, fraction, roundHalfEven, withSplit } from './fractions.js';

const ByTimeOptions = Type.Object(
  {
    validation: fraction(0.2, 'Fraction of the distinct times, just before the test times, for validation.'),
    test: fraction(0.2, 'Fraction of the distinct times, the latest ones, for test.'),
    column: Type.String({ minLength: 1, default: 'time', description: 'The time column.' }),
  },
  { additionalProperties: false },
);

/** Options of the `by-time` sampler. */
export type ByTimeOptions = Static<typeof ByTimeOptions>;

/**
 * Hold out the latest times, as the seed's `sample_data_by_time` (seed-pipeline.md §4.3): of the T distinct
 * times, the last round(T x test) go to test and the round(T x validation) before them to validation (numpy's
 * half-to-even rounding). The seed took the last times "in order of appearance"; here times are sorted, which is the
 * same for files written in time order and right for any other. Rows without a time go to train.
 */
export async function byTimeSplit(options: ByTimeOptions, input: Relation, ctx: TableContext): Promise<Relation> {
  checkFractions(options.validation, options.test, ctx.pointer);
  const column = requireColumn(ctx, options.column, 'column');
  const c = ident(options.column);
  const times = await ctx.engine.rows<{ v: string }>(`SELECT CAST(${c} AS VARCHAR) AS v FROM (SELECT DISTINCT ${c} FROM (${input.sql}) WHERE ${c} IS NOT NULL) ORDER BY ${c}`);
  const count = times.length;
  const nTest = roundHalfEven(count * options.test);
  const nValidation = Math.min(roundHalfEven(count * options.validation), count - nTest);
  const at = (i: number) => `CAST(${literal(times[i].v)} AS ${column.type})`;
  const whens: string[] = [];
  if (nTest > 0) whens.push(`WHEN ${c} >= ${at(count - nTest)} THEN 'test'`);
  if (nValidation > 0) whens.push(`WHEN ${c} >= ${at(count - nTest - nValidation)} THEN 'validation'`);
  const label = whens.length ? `CASE ${whens.join(' ')} ELSE 'train' END` : `'train'`;
  return withSplit(input, label, ctx.columns.some((col) => col.name === 'split'));
}

/** `split: { use: "by-time" }`. */
export const byTimeSampler = definePlugin({
  kind: 'sampler',
  name: 'by-time',
  description: 'Hold out the latest fraction of distinct times for test (and the times before them for validation).',
  options: ByTimeOptions,
  create: (options): Sampler => ({ assign: (input, ctx) => byTimeSplit(options, input, ctx) }),
});
