import { join } from 'node:path';
import { PrdError } from '../../errors.js';
import { ident, literal, parquetRelation, type Relation } from '../../data/engine.js';
import { requiredColumns } from '../../data/features.js';
import { translateReadError } from '../../data/read-errors.js';
import type { TableContext } from '../../plugin/contract.js';
import { required, type PreparedData, type StepEnv } from '../context.js';

/** Row counts per split. */
export type SplitCounts = { train: number; validation: number; test: number };

/** Output columns of the split step: everything later steps read, plus `split`. */
export function splitColumns(data: PreparedData): string[] {
  const columns = requiredColumns(data.features);
  if (data.features.baseline.kind === 'ensemble-rate') columns.push(...data.features.baseline.columns);
  return [...new Set(columns)];
}

/** The split step: label every row train / validation / test, and write the rows the run needs to Parquet. */
export async function runSplit(env: StepEnv, data: PreparedData, outDir: string): Promise<SplitCounts> {
  const sampler = required(env.instances.sampler, 'sampler');
  const columns = await env.engine.columns({ sql: data.sql });
  const ctx: TableContext = { ...env.pluginContext, engine: env.engine, spec: env.spec, pointer: sampler.slot, features: data.features, columns };
  const assigned: Relation = await sampler.instance.assign({ sql: data.sql }, ctx);
  const keep = splitColumns(data).map(ident).join(', ');
  const order = data.features.metadata.map(ident).join(', ');
  const out = join(outDir, 'rows.parquet');
  // Sorted by the metadata so that a row's position (`__row` later) is the same in every run, whatever order the
  // engine produced the rows in; DuckDB sorts larger-than-memory data by spilling to its temp directory.
  await env.engine.toParquet({ sql: `SELECT ${keep}, split FROM (${assigned.sql}) ORDER BY ${order}` }, out).catch((error: unknown) => {
    // Sources that read files lazily report bad values only now.
    throw translateReadError(error) ?? error;
  });
  const rows = await env.engine.rows<{ split: string; n: bigint | number }>(`SELECT split, count(*) AS n FROM ${parquetSource(out)} GROUP BY split`);
  const counts: SplitCounts = { train: 0, validation: 0, test: 0 };
  for (const row of rows) {
    if (row.split !== 'train' && row.split !== 'validation' && row.split !== 'test') {
      throw PrdError.of({ pointer: sampler.slot, message: `sampler "${sampler.use}" labelled ${Number(row.n)} rows ${JSON.stringify(row.split)}; labels must be train, validation or test` });
    }
    counts[row.split] = Number(row.n);
  }
  if (counts.train === 0) {
    throw PrdError.of({ pointer: sampler.slot, message: `sampler "${sampler.use}" put no rows in the training split (${counts.validation} validation, ${counts.test} test); check its fractions and the data filters` });
  }
  return counts;
}

/**
 * The rows of one split of a split-step output, with `__row`: their position in the file, which orders them the
 * same way in every query.
 */
export function splitRelation(splitDir: string, split: 'train' | 'validation' | 'test'): Relation {
  const file = literal(join(splitDir, 'rows.parquet'));
  return { sql: `SELECT * EXCLUDE (split, file_row_number), file_row_number AS __row FROM read_parquet(${file}, file_row_number = true) WHERE split = ${literal(split)}` };
}

/**
 * The rebalance step: resample the training rows and write them to Parquet. A rebalancer may number its output
 * rows in `__row` (unique, in the order it means them); that number, not the position in the file, then orders the
 * rows, so the result does not depend on the order the engine wrote them in. Without `__row` the file order is used.
 */
export async function runRebalance(env: StepEnv, data: PreparedData, splitDir: string, outDir: string): Promise<number> {
  const rebalancer = env.instances.rebalancer!;
  const train = splitRelation(splitDir, 'train');
  const columns = await env.engine.columns(train);
  const ctx: TableContext = { ...env.pluginContext, engine: env.engine, spec: env.spec, pointer: rebalancer.slot, features: data.features, columns };
  const balanced = await rebalancer.instance.apply(train, ctx);
  const out = join(outDir, 'train.parquet');
  await env.engine.toParquet(balanced, out);
  const rows = await env.engine.count(parquetRelation(out));
  if (rows === 0) throw PrdError.of({ pointer: rebalancer.slot, message: `rebalancer "${rebalancer.use}" returned no rows` });
  return rows;
}

/** The rebalanced training rows with a `__row` that orders them (see runRebalance). */
export async function rebalancedRelation(env: StepEnv, rebalanceDir: string): Promise<Relation> {
  const file = literal(join(rebalanceDir, 'train.parquet'));
  const columns = await env.engine.columns({ sql: `SELECT * FROM read_parquet(${file})` });
  if (columns.some((c) => c.name === '__row')) return { sql: `SELECT * FROM read_parquet(${file})` };
  return { sql: `SELECT *, file_row_number AS __row FROM read_parquet(${file}, file_row_number = true)` };
}

function parquetSource(path: string): string {
  return `read_parquet(${literal(path)})`;
}
