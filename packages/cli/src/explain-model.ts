import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import {
  createPlugin,
  DataEngine,
  isModelUri,
  prepareInference,
  PrdError,
  resolveModel,
  RunDirectory,
  RunEvents,
  TensorFile,
  type FeatureSpec,
  type Manifest,
  type MetricTree,
  type PluginContext,
  type PluginRef,
  type PluginRegistry,
  type RunReporter,
} from '@prd/core';

/** How to explain a trained model on new data (`prd explain`). */
export interface ExplainModelOptions {
  /** A run directory, its model/ folder, or a tracker URI (`runs:/<id>/model`, `models:/<name>@<alias>`). */
  model: string;
  /** Merged CSV (or Parquet) files or globs, read with the `csv` source. */
  data: string[];
  registry: PluginRegistry;
  /** Explainers to run; default those of the training recipe. */
  explain?: PluginRef[];
  runsDir?: string;
  memoryLimit?: string;
  seed?: number;
  events?: RunEvents;
  signal?: AbortSignal;
  reporter?: RunReporter;
  prdVersion?: string;
}

/** What `prd explain` did. */
export interface ExplainModelResult {
  runId: string;
  runDir: string;
  rows: number;
  dropped: number;
  /** Each explainer's summary, by name. */
  explanations: MetricTree;
}

/**
 * Run explainers on a trained model and new data, without retraining (the seed's XAI notebook loaded a model from
 * MLflow and explained a test scenario, §9). The data are prepared as `prd predict` prepares them (the model's own
 * scaler, no training filters; rows missing an input are left out and counted), with the radar truth the
 * explainers score against. Writes a run directory of its own: explain/<name>/, plots/ and report.html.
 */
export async function explainModel(options: ExplainModelOptions): Promise<ExplainModelResult> {
  const events = options.events ?? new RunEvents();
  const signal = options.signal ?? new AbortController().signal;
  const runsDir = resolve(options.runsDir ?? 'runs');
  const started = Date.now();
  const tempDir = join(runsDir, `.prd-explain-${process.pid}-${started}`);
  mkdirSync(tempDir, { recursive: true });
  const engine = await DataEngine.open({ tempDir: join(tempDir, 'duckdb'), memoryLimit: options.memoryLimit ?? '1GB' });
  const seed = options.seed ?? 0;
  const context: PluginContext = { seed, baseDir: process.cwd(), pointer: '', events, tempDir: resolve('.prd', 'tmp') };
  let result: ExplainModelResult;
  try {
    const model = await resolveModel(isModelUri(options.model) ? options.model : resolve(options.model), options.registry, context, tempDir);
    const trained = model.runDir && existsSync(join(model.runDir, 'recipe.resolved.json')) ? (JSON.parse(readFileSync(join(model.runDir, 'recipe.resolved.json'), 'utf8')) as Record<string, unknown>) : undefined;
    const explainers = options.explain ?? (trained?.explain as PluginRef[] | undefined);
    if (!explainers || explainers.length === 0) {
      throw PrdError.of({ origin: '--explainer', message: `${trained ? 'the training recipe has no "explain" block' : 'a model from a tracker comes without its recipe'}; name explainers with --explainer permutation-importance --explainer saliency` });
    }
    const name = `explain-${(trained?.name as string | undefined) ?? 'model'}`;
    const run = RunDirectory.create(runsDir, name);
    const spec = (trained?.data as { features?: FeatureSpec } | undefined)?.features;
    const input = await prepareInference({ engine, registry: options.registry, context, model, data: options.data, tempDir, spec, requireTruth: true });
    events.log(`explaining the model on ${input.rows} rows of ${input.description}`);
    const test = TensorFile.open(input.tensor);
    const { heights, profileFeatures, singleLevel, outputs } = test.header;
    const shape = { heights, profileFeatures, singleLevel, outputs, task: model.preprocessing.task };
    const explanations: MetricTree = {};
    for (const [i, ref] of explainers.entries()) {
      if (signal.aborted) throw new PrdError('explanation cancelled');
      const explainer = await createPlugin(options.registry, 'explainer', ref, `/explain/${i}`, context);
      const outDir = run.path('explain', ref.use);
      mkdirSync(outDir, { recursive: true });
      events.log(`explainer ${ref.use}`);
      const outcome = await explainer.explain({ modelDir: model.modelDir, test, features: model.features, shape, outDir, events, signal });
      explanations[ref.use] = outcome.summary;
    }
    mkdirSync(run.path('model'), { recursive: true });
    copyFileSync(join(model.modelDir, 'preprocessing.json'), run.path('model', 'preprocessing.json'));
    run.writeJson('explanations.json', explanations);
    run.writeJson('recipe.resolved.json', { name, seed, model: isModelUri(options.model) ? options.model : model.modelDir, data: { source: { use: 'csv', with: { paths: options.data } }, features: spec }, explain: explainers });
    const manifest: Manifest = {
      runId: run.runId,
      name,
      status: 'FINISHED',
      startedAt: new Date(started).toISOString(),
      endedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      seed,
      recipe: { file: model.runDir ? join(model.runDir, 'recipe.resolved.json') : options.model, files: [] },
      runtime: { prd: options.prdVersion ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
      plugins: [['/data/source', 'source', 'csv'] as const, ...explainers.map((e, i) => [`/explain/${i}`, 'explainer', e.use] as const)].map(([slot, kind, use]) => {
        const { origin } = options.registry.require(kind, use);
        return { slot, kind, name: use, package: origin.packageName, version: origin.version };
      }),
      data: { fingerprint: input.fingerprint, description: input.description, rows: { test: input.rows } },
      steps: [],
    };
    run.writeJson('manifest.json', manifest);
    result = { runId: run.runId, runDir: run.dir, rows: input.rows, dropped: input.dropped, explanations };
  } finally {
    engine.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
  if (options.reporter) await options.reporter({ runDir: result.runDir, events, signal });
  return result;
}
