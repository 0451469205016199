import { bandsFrom, definePlugin, ident, PrdError, type Band, type Relation, type TableContext, type Transform } from '@prd/core';
import { BAND_SET_NAMES, BAND_SETS, withNwpBandProbabilities } from '@prd/precip';
import { Type, type Static } from '@sinclair/typebox';
import { requireColumns } from './columns.js';

const BandsOption = Type.Optional(
  Type.Union([Type.Union(BAND_SET_NAMES.map((n) => Type.Literal(n))), Type.Record(Type.String(), Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }))], {
    description: "Band set name or custom {key: [lower, upper]} bands; default the recipe's target bands.",
  }),
);

function bandsOf(option: Static<typeof BandsOption> | undefined, ctx: TableContext): Band[] {
  if (option === undefined) {
    if (ctx.features.bands.length === 0) throw PrdError.of({ pointer: `${ctx.pointer}/with/bands`, message: 'the recipe has no target bands (a regression target); set "bands"' });
    return ctx.features.bands;
  }
  try {
    return bandsFrom(option, BAND_SETS);
  } catch (error) {
    throw PrdError.of({ pointer: `${ctx.pointer}/with/bands`, message: (error as Error).message });
  }
}

const NwpBandsOptions = Type.Object(
  {
    rate: Type.String({ minLength: 1, default: 'total_precip_rate', description: "Per-member rate column (the seed's data prep used total_precip_rate; its pipeline rainfall_rate)." }),
    bands: BandsOption,
    prefix: Type.Optional(Type.String({ minLength: 1, description: "Output column prefix; default the recipe's NWP prefix (mogrepsg_fraction_in_band_instant)." })),
    groupBy: Type.Array(Type.String({ minLength: 1 }), { default: ['time', 'latitude', 'longitude'], minItems: 1, description: 'Columns of one ensemble (all members of a time and cell).' }),
  },
  { additionalProperties: false },
);

/** NWP band probabilities from member rates, per (time, cell), half-open bands (seed-pipeline.md §2.4, §3.4). */
export function nwpBands(options: Static<typeof NwpBandsOptions>, input: Relation, ctx: TableContext): Relation {
  requireColumns(ctx, [options.rate], 'rate');
  requireColumns(ctx, options.groupBy, 'groupBy');
  const bands = bandsOf(options.bands, ctx);
  return withNwpBandProbabilities(input, options.rate, bands, options.prefix ?? ctx.features.prefixes.nwp, options.groupBy);
}

const ExceedanceOptions = Type.Object(
  {
    sources: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Band-column prefixes to convert; default the truth prefix and the NWP prefix when its columns exist.' })),
    bands: BandsOption,
    suffix: Type.String({ default: '_exceedence', description: "Suffix of the new columns; the seed spells it '_exceedence'." }),
  },
  { additionalProperties: false },
);

/**
 * Exceedance probabilities (seed-pipeline.md §3.5): for each band k, `{prefix}_{k}{suffix}` = 1 - (sum of the
 * fractions of bands up to and including k), clipped at 0 as the seed's callers do (`x[x<0] = 0`). That is the
 * probability of exceeding band k's upper bound.
 */
export function exceedance(options: Static<typeof ExceedanceOptions>, input: Relation, ctx: TableContext): Relation {
  const bands = bandsOf(options.bands, ctx);
  const names = new Set(ctx.columns.map((c) => c.name));
  const { truth, nwp } = ctx.features.prefixes;
  const sources = options.sources ?? [truth, ...(bands.every((b) => names.has(`${nwp}_${b.key}`)) ? [nwp] : [])];
  const added: string[] = [];
  for (const prefix of sources) {
    // The truth of a merged band set is the sum of its source bands; everything else is read by name.
    const useTargets = prefix === truth && options.bands === undefined && ctx.features.task === 'bands';
    const terms = bands.map((b, i) => (useTargets ? `(${ctx.features.targetSources[i].map(ident).join(' + ')})` : ident(`${prefix}_${b.key}`)));
    if (!useTargets) requireColumns(ctx, bands.map((b) => `${prefix}_${b.key}`), 'sources');
    bands.forEach((b, i) => {
      added.push(`greatest(0.0, 1.0 - (${terms.slice(0, i + 1).join(' + ')})) AS ${ident(`${prefix}_${b.key}${options.suffix}`)}`);
    });
  }
  return { sql: `SELECT *, ${added.join(', ')} FROM (${input.sql})` };
}

/** The band transforms. */
export const bandPlugins = [
  definePlugin({
    kind: 'transform',
    name: 'nwp-bands',
    description: 'NWP band probabilities: the fraction of ensemble members whose rate is in each half-open band, per time and cell.',
    options: NwpBandsOptions,
    create: (options): Transform => ({ apply: (input, ctx) => nwpBands(options, input, ctx) }),
  }),
  definePlugin({
    kind: 'transform',
    name: 'exceedance',
    description: "Exceedance probabilities 1 - cumulative band fractions, clipped at 0 (columns *_exceedence, the seed's spelling).",
    options: ExceedanceOptions,
    create: (options): Transform => ({ apply: (input, ctx) => exceedance(options, input, ctx) }),
  }),
];
