import { join } from 'node:path';
import { ident, literal, PrdError, type EvaluationInput, type MetricTree, type RunEvents } from '@prd/core';
import { aggregatedRows, aggregationAvailable, metricName, type Aggregation, type RowLayout } from './aggregations.js';
import { requireColumns, scoreColumns } from './columns.js';
import type { Leaf, ScoreSpec } from './scores.js';

/** Options every precipitation evaluator shares. */
export interface EvaluateOptions {
  aggregations: Aggregation[];
  /** Aggregations also scored per grid cell (written to `<score>_by_cell.csv`; their cell mean goes to metrics). */
  perCell: Aggregation[];
  memberColumn: string;
  controlMember: number;
  cellColumns: string[];
}

/** Where an evaluator sits in the recipe and how it reports. */
export interface EvaluatorContext {
  pointer: string;
  events: RunEvents;
}

/** Score one split's predictions: a metric tree, and per-cell tables in `input.outDir` when asked for. */
export async function evaluateScore(spec: ScoreSpec, input: EvaluationInput, options: EvaluateOptions, ctx: EvaluatorContext): Promise<MetricTree> {
  const { features, engine } = input;
  if (!spec.tasks.includes(features.task)) {
    const hint = features.task === 'regression' ? 'use "mae", "rmse" and "r2" for a single-column target' : features.task === 'binary' ? 'use "binary" (and "mae", "rmse", "r2") for a rain / no-rain target' : 'this score needs another target';
    throw new PrdError(`"${spec.name}" cannot score a ${features.task === 'bands' ? 'band' : features.task} target: ${hint}`, [{ pointer: ctx.pointer, message: `remove this evaluator or change data.features.target` }]);
  }
  const columns = scoreColumns(features);
  const layout: RowLayout = { metadata: features.metadata, member: options.memberColumn, control: options.controlMember, cell: options.cellColumns };
  const wanted = [...columns.truth, ...columns.ml, ...columns.nwp, ...features.metadata];
  if (options.perCell.length > 0) wanted.push(...options.cellColumns);
  requireColumns(spec.name, ctx.pointer, [...new Set(wanted)], await engine.columns(input.predictions));

  const leaves = spec.leaves(columns);
  const tree: MetricTree = {};
  const cellTables: Array<{ aggregation: Aggregation; table: string }> = [];
  for (const aggregation of new Set([...options.aggregations, ...options.perCell])) {
    if (!aggregationAvailable(aggregation, layout)) {
      ctx.events.log(`${spec.name}: no "${layout.member}" column among the metadata, so no ${aggregation.replace('_', ' ')} scores`, 'warn');
      continue;
    }
    const rows = aggregatedRows(input.predictions, columns, layout, aggregation);
    // Row-level columns a score derives (ranks, running precision) are taken over the rows scored together.
    const viewFor = (partition: string[]) => {
      const derived = spec.derive?.(columns, partition) ?? [];
      return derived.length > 0 ? `SELECT *, ${derived.join(', ')} FROM (${rows.sql})` : rows.sql;
    };
    const view = viewFor([]);
    if (options.aggregations.includes(aggregation)) {
      const [result] = await engine.rows(`SELECT ${aggregateList(leaves).join(', ')} FROM (${view})`);
      setLeaves(tree, metricName(spec.name, aggregation), leaves, result);
    }
    if (options.perCell.includes(aggregation)) {
      const table = `__cells_${spec.name}_${aggregation}_${process.pid}`;
      const cells = options.cellColumns.map(ident);
      await engine.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT ${[...cells, 'count(*)::BIGINT AS rows', ...aggregateList(leaves)].join(', ')} FROM (${viewFor(cells)}) GROUP BY ${cells.join(', ')} ORDER BY ${cells.join(', ')}`);
      cellTables.push({ aggregation, table });
      // The seed averaged the per-cell scores over the domain after dropping undefined cells (§8.4).
      const [mean] = await engine.rows(`SELECT ${leaves.flatMap((leaf, i) => sides(leaf).map((s) => `avg(${ident(leafColumn(i, s))}) AS ${ident(leafColumn(i, s))}`)).join(', ')} FROM ${table}`);
      setLeaves(tree, `${metricName(spec.name, aggregation)}_grid_mean`, leaves, mean);
    }
  }
  try {
    if (input.outDir && cellTables.length > 0) await writeCellTable(input, spec.name, options, leaves, cellTables);
  } finally {
    for (const { table } of cellTables) await engine.run(`DROP TABLE IF EXISTS ${table}`);
  }
  return tree;
}

function sides(leaf: Leaf): Array<'ml' | 'nwp'> {
  return leaf.nwp === undefined ? ['ml'] : ['ml', 'nwp'];
}

function leafColumn(i: number, side: 'ml' | 'nwp'): string {
  return `leaf${i}_${side}`;
}

function aggregateList(leaves: Leaf[]): string[] {
  return leaves.flatMap((leaf, i) => sides(leaf).map((s) => `(${s === 'ml' ? leaf.ml : leaf.nwp})::DOUBLE AS ${ident(leafColumn(i, s))}`));
}

function setLeaves(tree: MetricTree, name: string, leaves: Leaf[], row: Record<string, unknown>): void {
  leaves.forEach((leaf, i) => {
    let node = (tree[name] ??= {}) as MetricTree;
    for (const key of leaf.path) node = (node[key] ??= {}) as MetricTree;
    for (const side of sides(leaf)) node[side] = finite(row[leafColumn(i, side)]);
  });
}

function finite(value: unknown): number | null {
  const n = typeof value === 'number' ? value : value === null || value === undefined ? NaN : Number(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * One long table per score: aggregation, cell columns, key (threshold or band; empty for a single value), ml, nwp,
 * rows. Long rather than wide so a reader needs no knowledge of the bands to pick a map.
 */
async function writeCellTable(input: EvaluationInput, score: string, options: EvaluateOptions, leaves: Leaf[], tables: Array<{ aggregation: Aggregation; table: string }>): Promise<void> {
  const cells = options.cellColumns.map(ident);
  const parts: string[] = [];
  for (const { aggregation, table } of tables) {
    leaves.forEach((leaf, i) => {
      const nwp = leaf.nwp === undefined ? 'NULL::DOUBLE' : ident(leafColumn(i, 'nwp'));
      parts.push(`SELECT ${literal(aggregation)} AS aggregation, ${cells.join(', ')}, ${literal(leaf.path.join('/'))} AS key, ${ident(leafColumn(i, 'ml'))} AS ml, ${nwp} AS nwp, rows FROM ${table}`);
    });
  }
  await input.engine.toCsv({ sql: parts.join(' UNION ALL ') }, join(input.outDir!, `${score}_by_cell.csv`));
}
