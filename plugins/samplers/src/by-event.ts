import { closest, definePlugin, ident, literal, PrdError, type Issue, type Relation, type Sampler, type TableContext } from '@prd/core';
import { Type, type Static } from '@sinclair/typebox';
import { requireColumn } from './columns.js';
import { hashThresholds, keyHash } from './fractions.js';

const ByEventOptions = Type.Object(
  {
    test: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: "Events held out for test, by name or by a part of the name that matches one event (the seed held out 'storm_ciara' and 'storm_eunice_franklin').",
    }),
    validation: Type.Union([Type.Number({ minimum: 0, exclusiveMaximum: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
      default: 0.25,
      description: "Events for validation, or the fraction of the other events' (time, cell) keys, kept together as time-space does (the seed: 0.25).",
    }),
    column: Type.String({ minLength: 1, default: 'event', description: 'The column naming each row\'s event (sources add it from the file\'s directory).' }),
    keys: Type.Array(Type.String({ minLength: 1 }), { default: ['time', 'latitude', 'longitude'], minItems: 1, description: 'Key columns for a fractional validation split.' }),
    seed: Type.Optional(Type.Integer({ description: "Seed of the validation draw; defaults to the recipe's seed." })),
  },
  { additionalProperties: false },
);

/** Options of the `by-event` sampler. */
export type ByEventOptions = Static<typeof ByEventOptions>;

/** Match recipe names to events: an exact name, or a part of exactly one event's name. */
function matchEvents(wanted: readonly string[], events: readonly string[], pointer: string, issues: Issue[]): string[] {
  const out: string[] = [];
  wanted.forEach((name, i) => {
    if (events.includes(name)) return void out.push(name);
    const partial = events.filter((e) => e.includes(name));
    if (partial.length === 1) return void out.push(partial[0]);
    if (partial.length > 1) {
      issues.push({ pointer: `${pointer}/${i}`, message: `"${name}" matches ${partial.length} events (${partial.join(', ')}); give the full name` });
    } else {
      issues.push({ pointer: `${pointer}/${i}`, message: `no event is named "${name}" (events: ${events.join(', ')})`, suggestion: closest(name, events) });
    }
  });
  return out;
}

/**
 * Hold out whole events for test, as the seed's test scenarios (seed-pipeline.md §4.5), and pick validation either
 * as named events or as a fraction of the remaining (time, cell) keys with all members kept together.
 */
export async function byEventSplit(options: ByEventOptions, seed: number, input: Relation, ctx: TableContext): Promise<Relation> {
  requireColumn(ctx, options.column, 'column');
  const column = ident(options.column);
  const events = (await ctx.engine.rows<{ e: string }>(`SELECT DISTINCT CAST(${column} AS VARCHAR) AS e FROM (${input.sql}) WHERE ${column} IS NOT NULL ORDER BY e`)).map((r) => r.e);
  const issues: Issue[] = [];
  const test = matchEvents(options.test, events, `${ctx.pointer}/with/test`, issues);
  const validationEvents = Array.isArray(options.validation) ? matchEvents(options.validation, events, `${ctx.pointer}/with/validation`, issues) : [];
  const both = validationEvents.filter((e) => test.includes(e));
  if (both.length > 0) issues.push({ pointer: `${ctx.pointer}/with/validation`, message: `event${both.length > 1 ? 's' : ''} ${both.join(', ')} cannot be in test and validation` });
  if (issues.length === 0 && events.every((e) => test.includes(e) || validationEvents.includes(e))) {
    issues.push({ pointer: `${ctx.pointer}/with`, message: `every event (${events.join(', ')}) is held out; leave at least one for training` });
  }
  if (issues.length > 0) throw new PrdError(`the by-event split cannot be made (${issues.length} problem${issues.length > 1 ? 's' : ''})`, issues);

  const inList = (names: string[]) => `CAST(${column} AS VARCHAR) IN (${names.map(literal).join(', ')})`;
  const whens = [`WHEN ${inList(test)} THEN 'test'`];
  if (validationEvents.length > 0) whens.push(`WHEN ${inList(validationEvents)} THEN 'validation'`);
  if (typeof options.validation === 'number' && options.validation > 0) {
    for (const k of options.keys) requireColumn(ctx, k, 'keys');
    const hash = keyHash(options.seed ?? seed, options.keys);
    const keys: Relation = { sql: `SELECT DISTINCT ${options.keys.map(ident).join(', ')} FROM (${input.sql}) WHERE ${column} IS NULL OR NOT ${inList(test)}` };
    const thresholds = await hashThresholds(ctx.engine, keys, hash, 0, options.validation, 'round');
    if (thresholds.validation !== null) whens.push(`WHEN ${hash} <= ${thresholds.validation}::UBIGINT THEN 'validation'`);
  }
  const hasSplit = ctx.columns.some((c) => c.name === 'split');
  return { sql: `SELECT *${hasSplit ? ' EXCLUDE (split)' : ''}, CASE ${whens.join(' ')} ELSE 'train' END AS split FROM (${input.sql})` };
}

/** `split: { use: "by-event" }`. */
export const byEventSampler = definePlugin({
  kind: 'sampler',
  name: 'by-event',
  description: 'Hold out named events for test (the seed\'s test scenarios); validation is named events or a time-space fraction of the rest.',
  options: ByEventOptions,
  create: (options, context): Sampler => ({ assign: (input, ctx) => byEventSplit(options, context.seed, input, ctx) }),
});
