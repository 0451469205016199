import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { DataEngine, literal } from '../data/engine.js';
import type { FeatureSpec } from '../data/features.js';
import { PrdError } from '../errors.js';
import type { MetricTree, PluginContext } from '../plugin/contract.js';
import { defaultRef, defaultRefs } from '../plugin/kinds.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { PluginRef } from '../recipe/base-schema.js';
import { RunEvents } from './events.js';
import { createPlugin, isModelUri, predictInference, prepareInference, resolveModel } from './inference.js';
import { writePredictionsCsv } from './outputs.js';
import type { RunReporter } from './runner.js';
import { RunDirectory, type Manifest } from './run-dir.js';
import { mergeMetrics } from './steps/evaluate.js';

/** How to score a trained model on other data (the seed's held-out test scenarios). */
export interface ScoreOptions {
  /** A run directory, its model/ folder, or a tracker URI (`runs:/<id>/model`, `models:/<name>@<alias>`). */
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

/**
 * Score a trained model on other data: read the files with the csv source, standardise with the model's own
 * preprocessing, predict, and evaluate as a run does, into a run directory of its own (metrics.json,
 * predictions.csv, per-cell tables, report). As the seed's `preprocess_test_data`, none of the training filters
 * apply; rows missing an input value cannot be predicted and are left out (and counted).
 */
export async function scoreModel(options: ScoreOptions): Promise<ScoreResult> {
  const events = options.events ?? new RunEvents();
  const signal = options.signal ?? new AbortController().signal;
  const runsDir = resolve(options.runsDir ?? 'runs');
  const started = Date.now();
  const tempDir = join(runsDir, `.prd-evaluate-${process.pid}-${started}`);
  mkdirSync(tempDir, { recursive: true });
  const engine = await DataEngine.open({ tempDir: join(tempDir, 'duckdb'), memoryLimit: options.memoryLimit ?? '1GB' });
  // Plugins keep their reusable scratch (the csv source's Parquet conversions) where `prd run` keeps it.
  const context: PluginContext = { seed: 0, baseDir: process.cwd(), pointer: '', events, tempDir: resolve('.prd', 'tmp') };
  let result: ScoreResult;
  try {
    const model = await resolveModel(isModelUri(options.model) ? options.model : resolve(options.model), options.registry, context, tempDir);
    const { modelDir, runDir: trainingRun, preprocessing, features } = model;
    const trained = trainingRun && existsSync(join(trainingRun, 'recipe.resolved.json')) ? (JSON.parse(readFileSync(join(trainingRun, 'recipe.resolved.json'), 'utf8')) as Record<string, unknown>) : undefined;
    const name = `evaluate-${(trained?.name as string | undefined) ?? 'model'}`;
    const run = RunDirectory.create(runsDir, name);
    const evaluators = options.evaluate ?? (trained?.evaluate as PluginRef[] | undefined) ?? defaultRefs('evaluator');
    const compute = options.compute ?? (trained?.compute as PluginRef | undefined) ?? defaultRef('backend');
    const spec = (trained?.data as { features?: FeatureSpec } | undefined)?.features;
    const input = await prepareInference({ engine, registry: options.registry, context, model, data: options.data, tempDir, spec, requireTruth: true });
    events.log(`scoring ${input.rows} rows of ${input.description}`);
    if (signal.aborted) throw new PrdError('evaluation cancelled');
    const predictions = await predictInference({ engine, registry: options.registry, context, model, input, compute, tempDir, events, signal });

    const metrics: MetricTree = { test: {} };
    const outDir = run.path('evaluation', 'test');
    mkdirSync(outDir, { recursive: true });
    for (const [i, ref] of evaluators.entries()) {
      const evaluator = await createPlugin(options.registry, 'evaluator', ref, `/evaluate/${i}`, context);
      const tree = await evaluator.evaluate({ split: 'test', predictions: { sql: `SELECT * FROM read_parquet(${literal(predictions)})` }, features, engine, outDir });
      mergeMetrics(metrics.test as MetricTree, tree);
    }
    await writePredictionsCsv(engine, predictions, preprocessing, run.path('predictions.csv'));
    run.writeJson('metrics.json', metrics);
    mkdirSync(run.path('model'), { recursive: true });
    copyFileSync(join(modelDir, 'preprocessing.json'), run.path('model', 'preprocessing.json'));
    run.writeJson('recipe.resolved.json', { name, model: isModelUri(options.model) ? options.model : modelDir, data: { source: { use: defaultRef('source').use, with: { paths: options.data } }, features: spec }, compute, evaluate: evaluators });
    const manifest: Manifest = {
      runId: run.runId,
      name,
      status: 'FINISHED',
      startedAt: new Date(started).toISOString(),
      endedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      seed: 0,
      recipe: { file: trainingRun ? join(trainingRun, 'recipe.resolved.json') : options.model, files: [] },
      runtime: { prd: options.prdVersion ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
      plugins: [
        ['/data/source', 'source', defaultRef('source').use] as const,
        ['/compute', 'backend', compute.use] as const,
        ...evaluators.map((e, i) => [`/evaluate/${i}`, 'evaluator', e.use] as const),
      ].map(([slot, kind, use]) => {
        const { origin, plugin } = options.registry.require(kind, use);
        return { slot, kind, name: use, package: origin.packageName, version: origin.version, ...(plugin.outputs ? { outputs: plugin.outputs } : {}) };
      }),
      data: { fingerprint: input.fingerprint, description: input.description, rows: { test: input.rows } },
      steps: [],
    };
    run.writeJson('manifest.json', manifest);
    result = { runId: run.runId, runDir: run.dir, rows: input.rows, dropped: input.dropped, metrics };
  } finally {
    engine.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
  if (options.reporter) await options.reporter({ runDir: result.runDir, events, signal });
  return result;
}
