import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrdError, type Issue } from '../../errors.js';
import { ident, literal, type DataEngine, type Relation } from '../../data/engine.js';
import type { ResolvedFeatures, TaskKind } from '../../data/features.js';
import { writeTensorFile, type TensorColumn } from '../../data/tensor-export.js';
import type { TensorLayout } from '../../data/tensor-file.js';
import { inputColumns, type Preprocessing } from '../preprocessing.js';
import type { PreparedData, StepEnv } from '../context.js';
import { rebalancedRelation } from './split.js';
import { checkSplitRows, readSplitLabels, splitRelation } from './split-labels.js';

/** What the scale step wrote. */
export interface ScaleSummary {
  rows: { train: number; validation: number; test: number };
  layout: TensorLayout;
  task: TaskKind;
  /** Rows left out because an input value was missing (a given model's data). */
  dropped?: number;
}

/** Tensor layout of the features. */
export function layoutOf(features: ResolvedFeatures): TensorLayout {
  return { heights: features.heights.length, profileFeatures: features.profile.length, singleLevel: features.singleLevel.length, outputs: features.targetColumns.length };
}

/** SQL of each target column: the source band column, or the sum of merged bands. */
export function targetExpressions(features: ResolvedFeatures): string[] {
  return features.targetSources.map((sources) => sources.map(ident).join(' + '));
}

/**
 * Mean and population std (ddof 0) of each column over a relation, as sklearn's StandardScaler fits them. A column
 * whose variance is within rounding of zero gets std 1, with sklearn's test for a constant feature
 * (`var <= n eps var + (n mean eps)^2`), so a constant column is centred, not blown up. Missing values are an error.
 */
export async function fitStandardScaler(engine: DataEngine, train: Relation, columns: string[]): Promise<{ mean: number[]; std: number[] }> {
  // NaN would make var_pop fail, so it is turned into NULL and counted with the NULLs. (Aggregates with FILTER
  // clauses were 40x slower here and held a gigabyte for 165 columns.)
  const select = columns.flatMap((c, i) => {
    const value = `CASE WHEN isfinite(${ident(c)}::DOUBLE) THEN ${ident(c)} END`;
    return [`avg(${value})::DOUBLE AS m${i}`, `var_pop(${value})::DOUBLE AS v${i}`, `count(${value}) AS n${i}`];
  });
  const [row] = await engine.rows(`SELECT count(*) AS rows, ${select.join(', ')} FROM (${train.sql})`).catch(async (error: unknown) => {
    throw (await tooLarge(engine, train, columns, error)) ?? error;
  });
  const n = Number(row.rows);
  const issues: Issue[] = [];
  const mean: number[] = [];
  const std: number[] = [];
  const eps = Number.EPSILON;
  columns.forEach((c, i) => {
    const missing = n - Number(row[`n${i}`]);
    if (missing > 0) issues.push({ dataColumn: c, message: `${missing} training rows have no value (NULL, NaN or infinite) in column "${c}"; add { "use": "drop-missing" } to data.transforms (with { "infinite": true } to drop infinite values too)` });
    const m = Number(row[`m${i}`]);
    const v = Number(row[`v${i}`]);
    mean.push(m);
    const constant = !Number.isFinite(v) || v <= n * eps * v + (n * m * eps) ** 2;
    std.push(constant ? 1 : Math.sqrt(v));
  });
  if (issues.length > 0) throw new PrdError('the training data has missing values', issues);
  return { mean, std };
}

/** Columns of the per-split metadata file: metadata, truth (named as the pipeline writes it) and NWP baseline. */
function metaSelect(features: ResolvedFeatures): string {
  const truth = targetExpressions(features).map((expr, i) => `${expr} AS ${ident(features.targetColumns[i])}`);
  const nwp = features.baseline.kind === 'none' ? [] : features.baseline.columns.map(ident);
  return [...features.metadata.map(ident), ...truth, ...nwp].join(', ');
}

/**
 * The scale step: fit the standardisation on the training split only (before any rebalancing, as the seed did),
 * then write each split as a tensor file, plus the metadata / truth / NWP columns of the validation and test rows
 * in the same order, and preprocessing.json. The rows are read from the transformed data by the split step's labels.
 */
export async function runScale(env: Pick<StepEnv, 'engine' | 'seed'>, data: PreparedData, splitDir: string, rebalanceDir: string | undefined, outDir: string, fixed?: Preprocessing['scaler']): Promise<ScaleSummary> {
  const features = data.features;
  const inputs = inputColumns(features);
  // A forked run keeps its parent model's standardisation: the weights it starts from expect those inputs.
  if (fixed && fixed.columns.join() !== inputs.join()) {
    throw new PrdError(`the model --from was trained on other inputs (${fixed.columns.length} columns, ${inputs.length} here); fork from a model with the same features and heights`);
  }
  const scaler = fixed ? { mean: fixed.mean, std: fixed.std } : await fitStandardScaler(env.engine, splitRelation(data, splitDir, 'train'), inputs);
  const columns: TensorColumn[] = [
    ...inputs.map((c, i) => ({ expr: `(${ident(c)} - ${scaler.mean[i]}) / ${scaler.std[i]}` })),
    ...targetExpressions(features).map((expr) => ({ expr })),
  ];
  const layout = layoutOf(features);
  const preprocessing: Preprocessing = {
    format: 'prd-preprocessing',
    version: 1,
    task: features.task,
    metadata: features.metadata,
    ...(features.member ? { member: features.member } : {}),
    heights: features.heights,
    profile: features.profile,
    singleLevel: features.singleLevel,
    scaler: { columns: inputs, ...scaler },
    bands: features.bands,
    target: { columns: features.targetColumns, sources: features.targetSources },
    prefixes: features.prefixes,
    baseline: features.baseline,
  };
  const trainRows: Relation = rebalanceDir ? await rebalancedRelation(env, rebalanceDir) : splitRelation(data, splitDir, 'train');
  // Training rows are stored in a seeded random order, so that reading them in blocks is already well mixed.
  const train = await writeTensorFile(env.engine, trainRows, columns, layout, join(outDir, 'train.f32'), `hash(__row, ${env.seed}), __row`);
  const rows = { train: train.rows, validation: 0, test: 0 };
  const { counts } = readSplitLabels(splitDir);
  if (!rebalanceDir) checkSplitRows('train', counts.train, train.rows);
  for (const split of ['validation', 'test'] as const) {
    // The split's rows are read from the data once, into a temporary table (a fifth of the rows or so), for both
    // files written from them.
    const table = `prd_scale_${split}`;
    await env.engine.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${splitRelation(data, splitDir, split).sql}`);
    try {
      const relation = { sql: `SELECT * FROM ${table}` };
      await env.engine.run(`COPY (SELECT ${metaSelect(features)} FROM (${relation.sql}) ORDER BY __row) TO ${literal(join(outDir, `${split}.meta.parquet`))} (FORMAT parquet)`);
      const header = await writeTensorFile(env.engine, relation, columns, layout, join(outDir, `${split}.f32`), '__row');
      rows[split] = header.rows;
      checkSplitRows(split, counts[split], header.rows);
    } finally {
      await env.engine.run(`DROP TABLE IF EXISTS ${table}`);
    }
  }
  writeFileSync(join(outDir, 'preprocessing.json'), `${JSON.stringify(preprocessing, null, 2)}\n`);
  return { rows, layout, task: features.task };
}

/** Values this large overflow a variance (their squares exceed the largest double). */
const HUGE = 1e150;

/** The PrdError for an aggregate that overflowed (DuckDB: "out of range"), naming the columns with huge values. */
async function tooLarge(engine: DataEngine, train: Relation, columns: string[], error: unknown): Promise<PrdError | undefined> {
  if (!/out of range/i.test(error instanceof Error ? error.message : '')) return undefined;
  const counts = columns.map((c, i) => `count(*) FILTER (WHERE abs(${ident(c)}::DOUBLE) > ${HUGE} AND isfinite(${ident(c)}::DOUBLE)) AS h${i}`);
  const [row] = await engine.rows(`SELECT ${counts.join(', ')} FROM (${train.sql})`);
  const issues = columns.flatMap((c, i) => {
    const n = Number(row[`h${i}`]);
    return n > 0 ? [{ dataColumn: c, message: `${n} training rows hold a value beyond ±${HUGE} in column "${c}", too large to standardise; remove them, for example with { "use": "range", "with": { "column": "${c}", "atMost": 1e30, "atLeast": -1e30 } }` }] : [];
  });
  return issues.length > 0 ? new PrdError('the training data has values too large to standardise', issues) : undefined;
}
