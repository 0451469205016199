import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrdError } from '../../errors.js';
import type { Standardisation } from '../../data/column-moments.js';
import { ident, literal } from '../../data/engine.js';
import type { ResolvedFeatures, TaskKind } from '../../data/features.js';
import { writeTensorFile, type TensorColumn } from '../../data/tensor-export.js';
import type { TensorLayout } from '../../data/tensor-file.js';
import { inputColumns, type Preprocessing } from '../preprocessing.js';
import type { PreparedData, StepEnv } from '../context.js';
import { rebalancedRelation } from './split.js';
import { readLabelledRows } from './scale-pass.js';
import { labelledRows, type SplitName } from './split-labels.js';

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

/** Columns of the per-split metadata file: metadata, truth (named as the pipeline writes it) and NWP baseline. */
function metaSelect(features: ResolvedFeatures): string {
  const truth = targetExpressions(features).map((expr, i) => `${expr} AS ${ident(features.targetColumns[i])}`);
  const nwp = features.baseline.kind === 'none' ? [] : features.baseline.columns.map(ident);
  return [...features.metadata.map(ident), ...truth, ...nwp].join(', ');
}

/**
 * The scale step: fit the standardisation on the training split only (before any rebalancing, as the seed did),
 * then write each split as a tensor file, plus the metadata / truth / NWP columns of the validation and test rows
 * in the same order, and preprocessing.json. The rows are read from the transformed data by the split step's labels,
 * in one pass that gathers the scaler's moments and places every row (see readLabelledRows); the metadata files come
 * from the labels' narrow columns, and only rebalanced training rows, when there are any, are a second query.
 */
export async function runScale(env: Pick<StepEnv, 'engine' | 'seed'>, data: PreparedData, splitDir: string, rebalanceDir: string | undefined, outDir: string, fixed?: Preprocessing['scaler']): Promise<ScaleSummary> {
  const features = data.features;
  const inputs = inputColumns(features);
  // A forked run keeps its parent model's standardisation: the weights it starts from expect those inputs.
  if (fixed && fixed.columns.join() !== inputs.join()) {
    throw new PrdError(`the model --from was trained on other inputs (${fixed.columns.length} columns, ${inputs.length} here); fork from a model with the same features and heights`);
  }
  const layout = layoutOf(features);
  const splits: SplitName[] = rebalanceDir ? ['validation', 'test'] : ['train', 'validation', 'test'];
  const pass = await readLabelledRows(env.engine, data, splitDir, env.seed, layout, inputs, targetExpressions(features), splits, outDir);
  let scaler: Standardisation;
  try {
    scaler = fixed ? { mean: fixed.mean, std: fixed.std } : pass.moments.standardisation();
  } catch (error) {
    for (const writer of Object.values(pass.writers)) writer?.discard();
    throw error;
  }
  const rows = { train: 0, validation: 0, test: 0 };
  const { mean, std } = scaler;
  for (const split of splits) rows[split] = pass.writers[split]!.finish(scaler).rows;
  if (rebalanceDir) {
    const columns: TensorColumn[] = [
      ...inputs.map((c, i) => ({ expr: `(${ident(c)} - ${mean[i]}) / ${std[i]}` })),
      ...targetExpressions(features).map((expr) => ({ expr })),
    ];
    const trainRows = await rebalancedRelation(env, rebalanceDir);
    // Training rows are stored in a seeded random order, so that reading them in blocks is already well mixed.
    rows.train = (await writeTensorFile(env.engine, trainRows, columns, layout, join(outDir, 'train.f32'), `hash(__row, ${env.seed}), __row`)).rows;
  }
  for (const split of ['validation', 'test'] as const) {
    await env.engine.run(`COPY (SELECT ${metaSelect(features)} FROM (${labelledRows(splitDir).sql}) WHERE split = ${literal(split)} ORDER BY __row) TO ${literal(join(outDir, `${split}.meta.parquet`))} (FORMAT parquet)`);
  }
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
  writeFileSync(join(outDir, 'preprocessing.json'), `${JSON.stringify(preprocessing, null, 2)}\n`);
  return { rows, layout, task: features.task };
}
