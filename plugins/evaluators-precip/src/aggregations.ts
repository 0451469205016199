import { ident, type Relation } from '@prd/core';
import { aliases, normalisedSelect, type ScoreColumns } from './columns.js';

/**
 * How rows are combined before scoring (seed-pipeline.md §8.2):
 * - `members`: every row (every ensemble member) is a deterministic forecast;
 * - `ensemble_mean`: ML, truth and NWP averaged over the members of each (time, cell), then scored once per
 *   (time, cell). The seed's `calculate_metric` averaged the model *inputs* across members and predicted once;
 *   that is a bug, and prd averages the *predictions* as the seed's validation notebooks did;
 * - `control`: only the control member (realization 0).
 */
export const AGGREGATIONS = ['members', 'ensemble_mean', 'control'] as const;
/** One way of combining rows before scoring. */
export type Aggregation = (typeof AGGREGATIONS)[number];

/** Which metadata columns identify members and grid cells. */
export interface RowLayout {
  /** Metadata columns of the predictions (the recipe's `data.features.metadata`). */
  metadata: string[];
  /** The ensemble-member column. */
  member: string;
  /** The control member's label. */
  control: number;
  /** Columns that identify a grid cell, for per-cell scores. */
  cell: string[];
}

/** Suffix of a metric name for an aggregation: `fss`, `fss_ensemble_mean`, `fss_control`. */
export function metricName(score: string, aggregation: Aggregation): string {
  return aggregation === 'members' ? score : `${score}_${aggregation}`;
}

/** Whether an aggregation can be formed from the metadata at hand (the ensemble ones need the member column). */
export function aggregationAvailable(aggregation: Aggregation, layout: RowLayout): boolean {
  return aggregation === 'members' || layout.metadata.includes(layout.member);
}

/**
 * The rows of one aggregation, with metadata columns and the normalised value aliases (`__t0`, `__n0`, `__m0`...).
 * The ensemble mean keeps every metadata column but the member one.
 */
export function aggregatedRows(predictions: Relation, columns: ScoreColumns, layout: RowLayout, aggregation: Aggregation): Relation {
  const meta = layout.metadata.map(ident);
  const members = `SELECT ${[...meta, ...normalisedSelect(columns)].join(', ')} FROM (${predictions.sql})`;
  switch (aggregation) {
    case 'members':
      return { sql: members };
    case 'control':
      return { sql: `SELECT * FROM (${members}) WHERE ${ident(layout.member)} = ${Number(layout.control)}` };
    case 'ensemble_mean': {
      const keys = layout.metadata.filter((m) => m !== layout.member).map(ident);
      const means = aliases(columns).map((a) => `avg(${a}) AS ${a}`);
      return { sql: `SELECT ${[...keys, ...means].join(', ')} FROM (${members}) GROUP BY ${keys.join(', ')}` };
    }
  }
}
