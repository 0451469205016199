import { definePlugin, ident, PrdError, type Rebalancer, type Relation, type TableContext } from '@prd/core';
import { Type, type Static } from '@sinclair/typebox';

const ResampleOptions = Type.Object(
  {
    strategy: Type.Union([Type.Literal('equal'), Type.Literal('under'), Type.Literal('over')], {
      default: 'equal',
      description:
        "equal: every non-empty class drawn with replacement to the class size (the seed's algorithm); under: only classes above the size are cut to it (without replacement); over: only classes below it are topped up (with replacement).",
    }),
    classSize: Type.Union([Type.Literal('seed'), Type.Integer({ minimum: 1 })], {
      default: 'seed',
      description: "Rows per class: 'seed' is N // (bands + 1) as the seed computed it, or a number.",
    }),
    seed: Type.Optional(Type.Integer({ description: "Seed of the draws; defaults to the recipe's seed." })),
  },
  { additionalProperties: false },
);

/** Options of the `resample` rebalancer. */
export type ResampleOptions = Static<typeof ResampleOptions>;

const INV_2_53 = '1.1102230246251565e-16';

/** SQL of a row's class: the index of its dominant target band, the first one on ties (pandas idxmax). */
export function dominantBand(ctx: TableContext): string {
  const targets = ctx.features.targetSources.map((sources) => `(${sources.map(ident).join(' + ')})`);
  return `(list_position([${targets.join(', ')}], list_max([${targets.join(', ')}])) - 1)`;
}

/**
 * Rebalance the training rows by dominant band, as the seed's rebalancing notebook (seed-pipeline.md §4.6): each
 * row's class is its band with the largest fraction, and with strategy `equal` every non-empty class is drawn with
 * replacement to N // (bands + 1) rows (N training rows), so majority classes shrink and minority classes are
 * duplicated. Draws are seeded. The output's `__row` numbers the rows in class order (the seed's blocks of band 0,
 * 1, ...), so the result is the same however the engine orders its work.
 */
export async function resample(options: ResampleOptions, seed: number, train: Relation, ctx: TableContext): Promise<Relation> {
  if (ctx.features.task !== 'bands') {
    throw PrdError.of({ pointer: ctx.pointer, message: 'resample balances band classes; this recipe has a regression target (remove "rebalance")' });
  }
  if (!ctx.columns.some((c) => c.name === '__row')) throw new Error('resample: the training rows have no __row column');
  const s = Math.floor(options.seed ?? seed);
  const bands = ctx.features.targetSources.length;
  // Only the row number and class are read here: narrow work, however wide the rows are.
  const classes = `SELECT __row, ${dominantBand(ctx)} AS __class FROM (${train.sql})`;
  const counts = await ctx.engine.rows<{ c: number; n: bigint }>(`SELECT __class AS c, count(*) AS n FROM (${classes}) GROUP BY __class ORDER BY __class`);
  const total = counts.reduce((sum, r) => sum + Number(r.n), 0);
  const size = options.classSize === 'seed' ? Math.floor(total / (bands + 1)) : options.classSize;
  if (size === 0) throw PrdError.of({ pointer: `${ctx.pointer}/with/classSize`, message: `${total} training rows are too few to resample into ${bands} classes` });
  const uniform = (cls: string, j: string) => `((hash(${s}::BIGINT, ${cls}, ${j}) >> 11)::DOUBLE * ${INV_2_53})`;
  // Each pick: the class, the position of the chosen row within its class, and the pick's place in the output.
  const picks: string[] = [];
  for (const row of counts) {
    const c = Number(row.c);
    const n = Number(row.n);
    const withReplacement = (count: number, offset: number) => `SELECT ${c} AS __class, floor(${uniform(String(c), 'j')} * ${n})::BIGINT AS __i, ${offset} + j AS __pick FROM range(${count}) r(j)`;
    if (options.strategy === 'equal') picks.push(withReplacement(size, 0));
    else if (options.strategy === 'under') {
      // Without replacement: the `size` rows with the lowest seeded hash (all rows when the class is small).
      picks.push(`SELECT ${c} AS __class, __i, row_number() OVER (ORDER BY hash(${s}::BIGINT, ${c}, __i, 1), __i) - 1 AS __pick FROM range(${n}) r(__i) QUALIFY __pick < ${size}`);
    } else {
      picks.push(`SELECT ${c} AS __class, __i, __i AS __pick FROM range(${n}) r(__i)`);
      if (n < size) picks.push(withReplacement(size - n, n));
    }
  }
  const numbered = `SELECT __row, __class, row_number() OVER (PARTITION BY __class ORDER BY __row) - 1 AS __i FROM (${classes})`;
  const chosen = `SELECT numbered.__row AS __old, row_number() OVER (ORDER BY picks.__class, picks.__pick) - 1 AS __new
    FROM (${picks.join('\nUNION ALL\n')}) AS picks JOIN (${numbered}) AS numbered ON picks.__class = numbered.__class AND picks.__i = numbered.__i`;
  return { sql: `SELECT t.* EXCLUDE (__row), chosen.__new AS __row FROM (${train.sql}) AS t JOIN (${chosen}) AS chosen ON t.__row = chosen.__old` };
}

/** `rebalance: { use: "resample" }`. */
export const resampleRebalancer = definePlugin({
  kind: 'rebalancer',
  name: 'resample',
  description: "Resample training rows by dominant band: the seed's equal classes (with replacement), or under- or over-sampling only.",
  options: ResampleOptions,
  create: (options, context): Rebalancer => ({ apply: (train, ctx) => resample(options, context.seed, train, ctx) }),
});
