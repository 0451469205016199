import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ident, literal, type DataEngine, type Relation } from '../data/engine.js';
import type { ResolvedFeatures } from '../data/features.js';
import { SPLIT_NAMES } from '../plugin/contract.js';

/** Fraction levels of the seed's per-band curves: rows whose fraction is above each (seed-pipeline.md §8.5). */
export const SUMMARY_LEVELS = [0.000001, 0.001, 0.01, 0.1, 0.5, 0.95];

/** Five-number summary of one band's fractions (for box plots). */
export interface FiveNumbers {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

/** The band-fraction distribution of one set of rows: what the seed's data-distribution figures show. */
export interface BandSummary {
  rows: number;
  /** Rows whose largest fraction is in each band (first band on ties, as pandas' idxmax): the seed's max_band. */
  wettest: number[];
  /** Mean fraction per band. */
  mean: number[];
  box: FiveNumbers[];
  /** For each of {@link SUMMARY_LEVELS}, the rows per band whose fraction is above it. */
  above: number[][];
}

/** `data-summary.json`: truth (and NWP) band fractions per split, and the training split after rebalancing. */
export interface DataSummary {
  bands: string[];
  levels: number[];
  truth: Record<string, BandSummary>;
  nwp: Record<string, BandSummary>;
  /** The training split's truth after the rebalance step, when the recipe rebalances. */
  rebalanced?: BandSummary;
}

async function summarise(engine: DataEngine, from: string, where: string, columns: string[]): Promise<BandSummary> {
  const k = columns.length;
  const max = `greatest(${columns.join(', ')})`;
  const wettest = `CASE ${columns.map((c, i) => `WHEN ${c} >= ${max} THEN ${i}`).join(' ')} END`;
  const parts = [
    'count(*)::BIGINT AS n',
    ...columns.map((c, i) => `count(*) FILTER (WHERE ${wettest} = ${i})::BIGINT AS w${i}, avg(${c})::DOUBLE AS m${i}, min(${c})::DOUBLE AS lo${i}, quantile_cont(${c}, [0.25, 0.5, 0.75]) AS q${i}, max(${c})::DOUBLE AS hi${i}`),
    ...SUMMARY_LEVELS.flatMap((level, j) => columns.map((c, i) => `count(*) FILTER (WHERE ${c} > ${level})::BIGINT AS a${j}_${i}`)),
  ];
  const [row] = await engine.rows(`SELECT ${parts.join(', ')} FROM ${from} WHERE ${where}`);
  const n = (v: unknown) => Number(v ?? 0);
  const bands = Array.from({ length: k }, (_, i) => i);
  return {
    rows: n(row.n),
    wettest: bands.map((i) => n(row[`w${i}`])),
    mean: bands.map((i) => n(row[`m${i}`])),
    box: bands.map((i) => {
      const q = (row[`q${i}`] as unknown[] | null) ?? [0, 0, 0];
      return { min: n(row[`lo${i}`]), q1: n(q[0]), median: n(q[1]), q3: n(q[2]), max: n(row[`hi${i}`]) };
    }),
    above: SUMMARY_LEVELS.map((_, j) => bands.map((i) => n(row[`a${j}_${i}`]))),
  };
}

/**
 * Summarise the band fractions of the labelled rows (`split`, with a `split` column: the split step's labels)
 * and of the rebalanced training rows, for the report's data-distribution figures: the seed's pies, box plots,
 * per-band curves and rebalancing before/after (§4.6, §8.5).
 * Band targets only; undefined for a regression target.
 */
export async function dataSummary(engine: DataEngine, split: Relation, rebalanceDir: string | undefined, features: ResolvedFeatures): Promise<DataSummary | undefined> {
  if (features.task !== 'bands') return undefined;
  const truth = features.targetSources.map((sources) => `(${sources.map(ident).join(' + ')})::DOUBLE`);
  const nwp = features.baseline.kind === 'none' ? [] : features.baseline.columns.map((c) => `${ident(c)}::DOUBLE`);
  // One pass over the labelled rows into a small table, then small queries per split.
  const table = 'prd_data_summary';
  const select = [...truth.map((e, i) => `${e} AS t${i}`), ...nwp.map((e, i) => `${e} AS n${i}`)].join(', ');
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT split, ${select} FROM (${split.sql})`);
  const summary: DataSummary = { bands: features.bands.map((b) => b.key), levels: SUMMARY_LEVELS, truth: {}, nwp: {} };
  try {
    for (const name of SPLIT_NAMES) {
      const part = await summarise(engine, table, `split = ${literal(name)}`, truth.map((_, i) => `t${i}`));
      if (part.rows === 0) continue;
      summary.truth[name] = part;
      if (nwp.length > 0) summary.nwp[name] = await summarise(engine, table, `split = ${literal(name)}`, nwp.map((_, i) => `n${i}`));
    }
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${table}`);
  }
  const rebalanced = rebalanceDir ? join(rebalanceDir, 'train.parquet') : undefined;
  if (rebalanced && existsSync(rebalanced)) summary.rebalanced = await summarise(engine, `read_parquet(${literal(rebalanced)})`, 'true', truth);
  return summary;
}
