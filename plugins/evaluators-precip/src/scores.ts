import type { TaskKind } from '@prd/core';
import { alias, thresholdKey, type ScoreColumns } from './columns.js';

/** Which values a leaf compares with the truth. */
export type Source = 'ml' | 'nwp';

/** One number of a score, for ML and (when there is a baseline) NWP, as SQL aggregates over the rows. */
export interface Leaf {
  /** Path below the metric name: `["0.5"]` for a threshold, `[]` for a single value. */
  path: string[];
  ml: string;
  nwp?: string;
}

/** A verification score written as SQL aggregates, so it runs on the engine in bounded memory. */
export interface ScoreSpec {
  /** Metric name in metrics.json. */
  name: string;
  /** Which targets it can score. */
  tasks: ReadonlyArray<TaskKind>;
  /** Per-row columns computed after aggregation (for example exceedance probabilities); window functions range over `partition` (the cell columns for per-cell scores, none for the whole split). */
  derive?(columns: ScoreColumns, partition: string[]): string[];
  leaves(columns: ScoreColumns): Leaf[];
}

const values = (source: Source | 'truth', i: number): string => (source === 'truth' ? alias.truth(i) : source === 'ml' ? alias.ml(i) : alias.nwp(i));
const exceedance = (source: Source | 'truth', i: number): string => `__x${source === 'truth' ? 't' : source === 'ml' ? 'm' : 'n'}${i}`;

/** One leaf per index, with the NWP side only when there is a baseline. */
function perIndex(columns: ScoreColumns, path: (i: number) => string[], sql: (source: Source, i: number) => string): Leaf[] {
  return columns.keys.map((_, i) => ({ path: path(i), ml: sql('ml', i), nwp: columns.nwp.length > 0 ? sql('nwp', i) : undefined }));
}

/** A band-keyed path for band targets, none for a single regression target. */
function bandPath(columns: ScoreColumns): (i: number) => string[] {
  return (i) => (columns.uppers.length === 0 ? [] : [columns.keys[i]]);
}

/**
 * Exceedance probabilities below this are rounding, not rain: 1 - (sum of fractions that should sum to 1) leaves
 * about 1e-16 (float64) or 1e-7 (float32 softmax outputs) in the top threshold. The seed clipped only negatives,
 * which made its top-threshold FSS the score of that noise (seed-pipeline.md §8.2 lists ">220: NWP 0.1737");
 * prd sets such values to 0. One radar pixel of ~400 in a cell is 0.0025, one member of 18 is 0.056.
 */
export const EXCEEDANCE_FLOOR = 1e-6;

/** SQL of the exceedance of band `i`: 1 - cumulative sum, left to right as pandas' cumsum adds; below the floor, 0. */
export function exceedanceSql(fractions: string[], i: number, floor = EXCEEDANCE_FLOOR): string {
  const rest = `1 - (${fractions.slice(0, i + 1).join(' + ')})`;
  return `(CASE WHEN ${rest} < ${floor} THEN 0.0 ELSE ${rest} END)`;
}

/**
 * Fractions skill score per exceedance threshold (seed-pipeline.md §8.2): fractions become P(rain > upper bound of
 * band k) = 1 - cumulative sum up to k, clipped at 0 (below {@link EXCEEDANCE_FLOOR}); then
 * FSS = 1 - sum((fx - obs)^2) / (sum(fx^2) + sum(obs^2)) over all rows. 0/0 (no rain anywhere in forecast and
 * truth) is null.
 */
export const fss: ScoreSpec = {
  name: 'fss',
  tasks: ['bands'],
  derive(columns) {
    const out: string[] = [];
    for (const source of ['truth', 'ml', 'nwp'] as const) {
      if (source === 'nwp' && columns.nwp.length === 0) continue;
      const fractions = columns.keys.map((_, j) => values(source, j));
      columns.keys.forEach((_, i) => out.push(`${exceedanceSql(fractions, i)} AS ${exceedance(source, i)}`));
    }
    return out;
  },
  leaves(columns) {
    return perIndex(
      columns,
      (i) => [thresholdKey(columns.uppers[i])],
      (source, i) => {
        const fx = exceedance(source, i);
        const obs = exceedance('truth', i);
        const reference = `(sum(${fx} * ${fx}) + sum(${obs} * ${obs}))`;
        return `CASE WHEN ${reference} = 0 THEN NULL ELSE 1 - sum((${fx} - ${obs}) * (${fx} - ${obs})) / ${reference} END`;
      },
    );
  },
};

/**
 * Frequency bias per band (seed-pipeline.md §8.3): the mean over rows of forecast fraction / observed fraction.
 * Rows with no observed fraction give inf or NaN in the seed, which it drops; here they are left out.
 */
export const frequencyBias: ScoreSpec = {
  name: 'frequency_bias',
  tasks: ['bands'],
  leaves(columns) {
    return perIndex(columns, (i) => [columns.keys[i]], (source, i) => `avg(${values(source, i)} / ${values('truth', i)}) FILTER (WHERE ${values('truth', i)} <> 0)`);
  },
};

/** Keras' KL divergence, the training loss: mean over rows of sum_k t log(t / p), both clipped to [1e-7, 1]. */
export const klDivergence: ScoreSpec = {
  name: 'kl_divergence',
  tasks: ['bands'],
  leaves(columns) {
    const clip = (sql: string): string => `least(greatest(${sql}, 1e-7), 1)`;
    const kl = (source: Source): string => {
      const terms = columns.keys.map((_, i) => `${clip(values('truth', i))} * ln(${clip(values('truth', i))} / ${clip(values(source, i))})`);
      return `avg(${terms.join(' + ')})`;
    };
    return [{ path: [], ml: kl('ml'), nwp: columns.nwp.length > 0 ? kl('nwp') : undefined }];
  },
};

/** Mean absolute error per band (or of the regression target). */
export const mae: ScoreSpec = {
  name: 'mae',
  tasks: ['bands', 'regression', 'binary'],
  leaves(columns) {
    return perIndex(columns, bandPath(columns), (source, i) => `avg(abs(${values(source, i)} - ${values('truth', i)}))`);
  },
};

/** Root mean squared error per band (or of the regression target), as Keras' RootMeanSquaredError (seed §5.3). */
export const rmse: ScoreSpec = {
  name: 'rmse',
  tasks: ['bands', 'regression', 'binary'],
  leaves(columns) {
    return perIndex(columns, bandPath(columns), (source, i) => `sqrt(avg((${values(source, i)} - ${values('truth', i)}) * (${values(source, i)} - ${values('truth', i)})))`);
  },
};

/**
 * Coefficient of determination per band (or of the regression target), as sklearn's `r2_score`:
 * 1 - SS_res / SS_tot; a constant truth gives 1 for a perfect forecast and 0 otherwise.
 */
export const r2: ScoreSpec = {
  name: 'r2',
  tasks: ['bands', 'regression', 'binary'],
  leaves(columns) {
    return perIndex(columns, bandPath(columns), (source, i) => {
      const residual = `sum((${values('truth', i)} - ${values(source, i)}) * (${values('truth', i)} - ${values(source, i)}))`;
      const total = `(count(*) * var_pop(${values('truth', i)}))`;
      return `CASE WHEN ${total} = 0 THEN (CASE WHEN ${residual} = 0 THEN 1.0 ELSE 0.0 END) ELSE 1 - ${residual} / ${total} END`;
    });
  },
};
