import { join } from 'node:path';
import { PrdError } from '../../errors.js';
import { literal, parquetRelation, type Relation } from '../../data/engine.js';
import { translateReadError } from '../../data/read-errors.js';
import { SPLIT_NAMES, type TableContext } from '../../plugin/contract.js';
import { required, type PreparedData, type StepEnv } from '../context.js';
import { splitRelation, writeSplitLabels, type SplitCounts } from './split-labels.js';

/** The split step: label every row train / validation / test, and record the labels (not the rows; see split-labels.ts). */
export async function runSplit(env: StepEnv, data: PreparedData, outDir: string): Promise<SplitCounts> {
  const sampler = required(env.instances.sampler, 'sampler');
  const columns = await env.engine.columns({ sql: data.sql });
  const ctx: TableContext = { ...env.pluginContext, engine: env.engine, spec: env.spec, pointer: sampler.slot, features: data.features, columns };
  const assigned: Relation = await sampler.instance.assign({ sql: data.sql }, ctx);
  // Sorted by the metadata so that a row's position (`__row` later) is the same in every run, whatever order the
  // engine produced the rows in; DuckDB sorts larger-than-memory data by spilling to its temp directory.
  const labels = await writeSplitLabels(env.engine, assigned, data.features, outDir).catch((error: unknown) => {
    // Sources that read files lazily report bad values only now.
    throw translateReadError(error) ?? error;
  });
  const counts: Record<string, number> = labels.counts;
  for (const [split, n] of Object.entries(counts)) {
    if (!(SPLIT_NAMES as readonly string[]).includes(split)) {
      throw PrdError.of({ pointer: sampler.slot, message: `sampler "${sampler.use}" labelled ${n} rows ${JSON.stringify(split)}; labels must be train, validation or test` });
    }
  }
  if (counts.train === 0) {
    throw PrdError.of({ pointer: sampler.slot, message: `sampler "${sampler.use}" put no rows in the training split (${counts.validation} validation, ${counts.test} test); check its fractions and the data filters` });
  }
  return labels.counts;
}

/**
 * The rebalance step: resample the training rows and write them to Parquet. A rebalancer may number its output
 * rows in `__row` (unique, in the order it means them); that number, not the position in the file, then orders the
 * rows, so the result does not depend on the order the engine wrote them in. Without `__row` the file order is used.
 */
export async function runRebalance(env: StepEnv, data: PreparedData, splitDir: string, outDir: string): Promise<number> {
  const rebalancer = env.instances.rebalancer!;
  const train = splitRelation(data, splitDir, 'train');
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
export async function rebalancedRelation(env: Pick<StepEnv, 'engine'>, rebalanceDir: string): Promise<Relation> {
  const file = literal(join(rebalanceDir, 'train.parquet'));
  const columns = await env.engine.columns({ sql: `SELECT * FROM read_parquet(${file})` });
  if (columns.some((c) => c.name === '__row')) return { sql: `SELECT * FROM read_parquet(${file})` };
  return { sql: `SELECT *, file_row_number AS __row FROM read_parquet(${file}, file_row_number = true)` };
}
