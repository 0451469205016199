import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { DataEngine, ident, literal, type Relation } from '../data/engine.js';
import { requiredColumns, type FeatureSpec } from '../data/features.js';
import { withNwpBandProbabilities } from '../data/nwp.js';
import { writePredictions } from '../data/predictions.js';
import { writeTensorFile } from '../data/tensor-export.js';
import { TensorFile } from '../data/tensor-file.js';
import { PrdError } from '../errors.js';
import type { KindInstances, MetricTree, PluginContext, PluginKind } from '../plugin/contract.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { PluginRef } from '../recipe/base-schema.js';
import { closest } from '../suggest.js';
import { RunEvents } from './events.js';
import { writePredictionsCsv } from './outputs.js';
import { featuresFromPreprocessing, inputColumns, type Preprocessing } from './preprocessing.js';
import type { RunReporter } from './runner.js';
import { RunDirectory, type Manifest } from './run-dir.js';
import { ensembleKeys } from './steps/prepare.js';
import { mlColumns } from './steps/predict.js';
import { layoutOf, targetExpressions } from './steps/scale.js';

/** How to score a trained model on other data (the seed's held-out test scenarios). */
export interface ScoreOptions {
  /** A run directory or its model/ folder (model.json, weights, preprocessing.json). */
  model: string;
  /** CSV (or Parquet) files or globs of the seed's merged schema. */
  data: string[];
  registry: PluginRegistry;
  /** Evaluators; default the training run's, else fss, frequency-bias and kl-divergence. */
  evaluate?: PluginRef[];
  /** Backend that applies the model; default the training run's compute, else local. */
  compute?: PluginRef;
  /** Where the evaluation run directory goes; default ./runs. */
  runsDir?: string;
  memoryLimit?: string;
  events?: RunEvents;
  signal?: AbortSignal;
  reporter?: RunReporter;
  prdVersion?: string;
}

/** What `prd evaluate` reports. */
export interface ScoreResult {
  runId: string;
  runDir: string;
  rows: number;
  dropped: number;
  metrics: MetricTree;
}

const DEFAULT_EVALUATORS: PluginRef[] = [{ use: 'fss' }, { use: 'frequency-bias' }, { use: 'kl-divergence' }];

export function modelDirOf(path: string): { modelDir: string; runDir?: string } {
  const candidates = [{ modelDir: join(path, 'model'), runDir: path }, { modelDir: path, runDir: existsSync(join(path, '..', 'manifest.json')) ? join(path, '..') : undefined }];
  const found = candidates.find((c) => existsSync(join(c.modelDir, 'preprocessing.json')) && existsSync(join(c.modelDir, 'model.json')));
  if (!found) throw new PrdError(`${path} holds no trained model (model.json and preprocessing.json); pass a run directory such as runs/<run-id> or its model/ folder`);
  return found;
}

/** Create a plugin from the registry with its options' defaults applied and checked, as a recipe would. */
export async function createPlugin<K extends PluginKind>(registry: PluginRegistry, kind: K, ref: PluginRef, pointer: string, context: PluginContext): Promise<KindInstances[K]> {
  const { plugin } = registry.require(kind, ref.use, `${pointer}/use`);
  const options = Value.Default(plugin.options, structuredClone(ref.with ?? {}));
  const errors = [...Value.Errors(plugin.options, options)];
  if (errors.length > 0) {
    throw new PrdError(`options of "${ref.use}" are not valid`, errors.map((e) => ({ pointer: `${pointer}/with${e.path}`, message: e.message })));
  }
  return (await plugin.create(options, { ...context, pointer })) as KindInstances[K];
}

/**
 * Score a trained model on other data: read the files with the csv source, standardise with the model's own
 * preprocessing, predict, and evaluate as a run does, into a run directory of its own (metrics.json,
 * predictions.csv, per-cell tables, report). As the seed's `preprocess_test_data`, none of the training filters
 * apply; rows missing an input value cannot be predicted and are left out (and counted).
 */
export async function scoreModel(options: ScoreOptions): Promise<ScoreResult> {
  const events = options.events ?? new RunEvents();
  const signal = options.signal ?? new AbortController().signal;
  const { modelDir, runDir: trainingRun } = modelDirOf(resolve(options.model));
  const preprocessing = JSON.parse(readFileSync(join(modelDir, 'preprocessing.json'), 'utf8')) as Preprocessing;
  const features = featuresFromPreprocessing(preprocessing);
  const trained = trainingRun && existsSync(join(trainingRun, 'recipe.resolved.json')) ? (JSON.parse(readFileSync(join(trainingRun, 'recipe.resolved.json'), 'utf8')) as Record<string, unknown>) : undefined;
  const evaluators = options.evaluate ?? (trained?.evaluate as PluginRef[] | undefined) ?? DEFAULT_EVALUATORS;
  const compute = options.compute ?? (trained?.compute as PluginRef | undefined) ?? { use: 'local' };
  const name = `evaluate-${(trained?.name as string | undefined) ?? 'model'}`;
  const run = RunDirectory.create(resolve(options.runsDir ?? 'runs'), name);
  const started = Date.now();
  const tempDir = run.path('.tmp');
  const engine = await DataEngine.open({ tempDir: join(tempDir, 'duckdb'), memoryLimit: options.memoryLimit ?? '1GB' });
  const context: PluginContext = { seed: 0, baseDir: process.cwd(), pointer: '', events, tempDir };
  let result: ScoreResult;
  try {
    const spec: FeatureSpec = (trained?.data as { features?: FeatureSpec } | undefined)?.features ?? { profile: features.profile.map((p) => p.name), singleLevel: features.singleLevel, target: { column: features.targetColumns[0] } };
    const source = await createPlugin(options.registry, 'source', { use: 'csv', with: { paths: options.data } }, '/data/source', context);
    const data = await source.open({ ...context, pointer: '/data/source', engine, spec });
    let relation: Relation = data.relation;
    const names = (await engine.columns(relation)).map((c) => c.name);
    const missing = requiredColumns(features).filter((c) => !names.includes(c));
    if (missing.length > 0) {
      throw new PrdError(`the data lacks ${missing.length} column${missing.length > 1 ? 's' : ''} the model needs (${data.description})`, missing.slice(0, 20).map((c) => ({ dataColumn: c, message: `no column "${c}"`, suggestion: closest(c, names) })));
    }
    if (features.baseline.kind === 'ensemble-rate') relation = withNwpBandProbabilities(relation, features.baseline.rateColumn, features.bands, features.prefixes.nwp, ensembleKeys(features));
    const inputs = inputColumns(features);
    const complete = inputs.map((c) => `${ident(c)} IS NOT NULL AND NOT isnan(${ident(c)}::DOUBLE)`).join(' AND ');
    const all = await engine.count(relation);
    const rowsFile = join(tempDir, 'rows.parquet');
    mkdirSync(tempDir, { recursive: true });
    const keep = [...new Set([...requiredColumns(features), ...(features.baseline.kind === 'ensemble-rate' ? features.baseline.columns : [])])].map(ident);
    await engine.toParquet({ sql: `SELECT ${keep.join(', ')} FROM (${relation.sql}) WHERE ${complete} ORDER BY ${features.metadata.map(ident).join(', ')}` }, rowsFile);
    const rows: Relation = { sql: `SELECT *, file_row_number AS __row FROM read_parquet(${literal(rowsFile)}, file_row_number = true)` };
    const kept = await engine.count(rows);
    if (kept === 0) throw new PrdError(`none of the ${all} rows of ${data.description} has every input the model needs`);
    if (kept < all) events.log(`${all - kept} of ${all} rows miss an input value and are not scored`, 'warn');
    events.log(`scoring ${kept} rows of ${data.description}`);

    const scaler = preprocessing.scaler;
    const tensorPath = join(tempDir, 'test.f32');
    const columns = [...inputs.map((c, i) => ({ expr: `(${ident(c)} - ${scaler.mean[i]}) / ${scaler.std[i]}` })), ...targetExpressions(features).map((expr) => ({ expr }))];
    await writeTensorFile(engine, rows, columns, layoutOf(features), tensorPath, '__row');
    const meta = [...features.metadata.map(ident), ...targetExpressions(features).map((e, i) => `${e} AS ${ident(features.targetColumns[i])}`), ...(features.baseline.kind === 'none' ? [] : features.baseline.columns.map(ident))];
    const metaFile = join(tempDir, 'test.meta.parquet');
    await engine.run(`COPY (SELECT ${meta.join(', ')} FROM (${rows.sql}) ORDER BY __row) TO ${literal(metaFile)} (FORMAT parquet)`);

    if (signal.aborted) throw new PrdError('evaluation cancelled');
    const backend = await createPlugin(options.registry, 'backend', compute, '/compute', context);
    const outputs = await backend.predict({ modelDir, input: TensorFile.open(tensorPath), batchSize: 1024, events, signal });
    const predictions = join(tempDir, 'test.parquet');
    await writePredictions(engine, metaFile, outputs, mlColumns(preprocessing), predictions);

    const metrics: MetricTree = { test: {} };
    const outDir = run.path('evaluation', 'test');
    mkdirSync(outDir, { recursive: true });
    for (const [i, ref] of evaluators.entries()) {
      const evaluator = await createPlugin(options.registry, 'evaluator', ref, `/evaluate/${i}`, context);
      const tree = await evaluator.evaluate({ split: 'test', predictions: { sql: `SELECT * FROM read_parquet(${literal(predictions)})` }, features, engine, outDir });
      Object.assign(metrics.test as MetricTree, tree);
    }
    await writePredictionsCsv(engine, predictions, preprocessing, run.path('predictions.csv'));
    run.writeJson('metrics.json', metrics);
    mkdirSync(run.path('model'), { recursive: true });
    copyFileSync(join(modelDir, 'preprocessing.json'), run.path('model', 'preprocessing.json'));
    run.writeJson('recipe.resolved.json', { name, model: modelDir, data: { source: { use: 'csv', with: { paths: options.data } }, features: spec }, compute, evaluate: evaluators });
    const manifest: Manifest = {
      runId: run.runId,
      name,
      status: 'FINISHED',
      startedAt: new Date(started).toISOString(),
      endedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      seed: 0,
      recipe: { file: trainingRun ? join(trainingRun, 'recipe.resolved.json') : modelDir, files: [] },
      runtime: { prd: options.prdVersion ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
      plugins: [
        ['/data/source', 'source', 'csv'] as const,
        ['/compute', 'backend', compute.use] as const,
        ...evaluators.map((e, i) => [`/evaluate/${i}`, 'evaluator', e.use] as const),
      ].map(([slot, kind, use]) => {
        const { origin } = options.registry.require(kind, use);
        return { slot, kind, name: use, package: origin.packageName, version: origin.version };
      }),
      data: { fingerprint: data.fingerprint, description: data.description, rows: { test: kept } },
      steps: [],
    };
    run.writeJson('manifest.json', manifest);
    result = { runId: run.runId, runDir: run.dir, rows: kept, dropped: all - kept, metrics };
  } finally {
    engine.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
  if (options.reporter) await options.reporter({ runDir: run.dir, events, signal });
  return result;
}
