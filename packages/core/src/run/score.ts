import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { DataEngine } from '../data/engine.js';
import { PrdError } from '../errors.js';
import { spillDir } from './temp-dirs.js';
import type { FeatureSpec } from '../data/features.js';
import type { MetricTree, PluginContext } from '../plugin/contract.js';
import { defaultRef, defaultRefs } from '../plugin/kinds.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { PluginRef } from '../recipe/base-schema.js';
import { StepCache } from './cache.js';
import type { StepEnv, StepInstances } from './context.js';
import { entryDigest } from './entry-digest.js';
import { RunEvents } from './events.js';
import type { GraphContext } from './graph.js';
import { createInstance, isModelUri, resolveModel } from './inference.js';
import type { Preprocessing } from './preprocessing.js';
import { drawFigures, writeReportPage } from './report-acts.js';
import type { RunReporter } from './runner.js';
import { RunDirectory, type Manifest } from './run-dir.js';
import { STEPS } from './steps/table.js';
import { StepTimeline } from './timeline.js';

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
  /** Where step outputs are cached; default ./.prd/cache. */
  cacheDir?: string;
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
  const { runId, runDir, rows, dropped, metrics } = await runGivenModel({ ...options, purpose: 'evaluate' });
  return { runId, runDir, rows, dropped, metrics };
}

/** How to run the step table with a given model: scoring it (truth required, evaluators) or predicting with it. */
export interface GivenModelRun extends Omit<ScoreOptions, 'evaluate'> {
  purpose: 'evaluate' | 'predict' | 'explain';
  /** Evaluators; for `evaluate` default the training run's, else fss, frequency-bias and kl-divergence. */
  evaluate?: PluginRef[];
  /** Explainers, for `explain`; default the training run's. */
  explain?: PluginRef[];
  /** Seeds the explainers' sampling (`explain`); default 0. */
  seed?: number;
}

/** What a run of the step table with a given model did. */
export interface GivenModelResult extends ScoreResult {
  /** The predict step's cache entry (`test.parquet`: metadata, truth and NWP where present, ML). */
  predictDir?: string;
  preprocessing: Preprocessing;
  /** The model directory used (downloaded for a tracker URI). */
  modelDir: string;
}

/**
 * Run the step table with a given model into a run directory of its own: load the files with the csv source, prepare
 * them with the model's own preprocessing, take the model as the train step's output, predict and (to score) evaluate.
 */
export async function runGivenModel(options: GivenModelRun): Promise<GivenModelResult> {
  const events = options.events ?? new RunEvents();
  const signal = options.signal ?? new AbortController().signal;
  const runsDir = resolve(options.runsDir ?? 'runs');
  const cacheRoot = resolve(options.cacheDir ?? join('.prd', 'cache'));
  const started = Date.now();
  const tempDir = join(runsDir, `.prd-evaluate-${process.pid}-${started}`);
  mkdirSync(tempDir, { recursive: true });
  const engine = await DataEngine.open({ tempDir: spillDir(tempDir), memoryLimit: options.memoryLimit ?? '1GB' });
  // Plugins keep their reusable scratch (the csv source's Parquet conversions) where `prd run` keeps it.
  const context: PluginContext = { seed: 0, baseDir: process.cwd(), pointer: '', events, tempDir: resolve('.prd', 'tmp') };
  const timeline = new StepTimeline(new StepCache(cacheRoot), events, signal);
  let result: GivenModelResult;
  try {
    const model = await resolveModel(isModelUri(options.model) ? options.model : resolve(options.model), options.registry, context, tempDir);
    const { modelDir, runDir: trainingRun, preprocessing, features } = model;
    const trained = trainingRun && existsSync(join(trainingRun, 'recipe.resolved.json')) ? (JSON.parse(readFileSync(join(trainingRun, 'recipe.resolved.json'), 'utf8')) as Record<string, unknown>) : undefined;
    const name = `${options.purpose}-${(trained?.name as string | undefined) ?? 'model'}`;
    const explainers = options.purpose === 'explain' ? (options.explain ?? (trained?.explain as PluginRef[] | undefined) ?? []) : [];
    if (options.purpose === 'explain' && explainers.length === 0) {
      throw PrdError.of({ origin: '--explainer', message: `${trained ? 'the training recipe has no "explain" block' : 'a model from a tracker comes without its recipe'}; name explainers with --explainer permutation-importance --explainer saliency` });
    }
    const run = RunDirectory.create(runsDir, name);
    const evaluators = options.purpose !== 'evaluate' ? [] : (options.evaluate ?? (trained?.evaluate as PluginRef[] | undefined) ?? defaultRefs('evaluator'));
    const compute = options.compute ?? (trained?.compute as PluginRef | undefined) ?? defaultRef('backend');
    const spec: FeatureSpec = (trained?.data as { features?: FeatureSpec } | undefined)?.features ?? {
      profile: features.profile.map((p) => p.name),
      singleLevel: features.singleLevel,
      target: { column: features.targetColumns[0] },
    };
    const source: PluginRef = { use: defaultRef('source').use, with: { paths: options.data } };
    const instances: StepInstances = {
      source: await createInstance(options.registry, 'source', source, '/data/source', context),
      domain: await createInstance(options.registry, 'domain', defaultRef('domain'), '/data/domain', context),
      transforms: [],
      backend: await createInstance(options.registry, 'backend', compute, '/compute', context),
      trackers: [],
      evaluators: await Promise.all(evaluators.map((ref, i) => createInstance(options.registry, 'evaluator', ref, `/evaluate/${i}`, context))),
      explainers: await Promise.all(explainers.map((ref, i) => createInstance(options.registry, 'explainer', ref, `/explain/${i}`, context))),
    };
    run.writeJson('recipe.resolved.json', { name, model: isModelUri(options.model) ? options.model : modelDir, data: { source, features: spec }, compute, evaluate: evaluators, ...(explainers.length ? { explain: explainers } : {}) });
    const manifest: Manifest = {
      runId: run.runId,
      name,
      status: 'RUNNING',
      startedAt: new Date(started).toISOString(),
      seed: 0,
      recipe: { file: trainingRun ? join(trainingRun, 'recipe.resolved.json') : options.model, files: [] },
      runtime: { prd: options.prdVersion ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
      plugins: [
        ['source', instances.source] as const,
        ['backend', instances.backend] as const,
        ...instances.evaluators.map((e) => ['evaluator', e] as const),
        ...instances.explainers.map((e) => ['explainer', e] as const),
      ].map(([kind, i]) => ({ slot: i.slot, kind, name: i.use, package: i.package, version: i.version, ...(i.outputs ? { outputs: i.outputs } : {}) })),
      steps: [],
    };
    run.writeJson('manifest.json', manifest);
    const env: StepEnv = { registry: options.registry, seed: options.seed ?? 0, spec, train: { epochs: 0, batchSize: 1024 }, instances, engine, cache: new StepCache(cacheRoot), events, signal, pluginContext: context };
    const g: GraphContext = {
      env,
      results: {},
      run,
      manifest,
      resume: false,
      sentEpochs: new Set(),
      given: { source: options.model, modelDir, preprocessing, digest: entryDigest(modelDir), requireTruth: options.purpose !== 'predict' },
    };
    const reporter = options.reporter;
    if (reporter) g.report = () => drawFigures(reporter, run, manifest, g, timeline.records, events, signal);
    // The same steps as a run: the ones that split and train do not apply to a given model.
    for (const def of STEPS) await timeline.run(g, def);
    const metrics = g.metrics ?? {};
    run.writeJson('metrics.json', metrics);
    const scale = g.results.scale && 'value' in g.results.scale ? g.results.scale.value : undefined;
    const now = Date.now();
    Object.assign(manifest, { status: 'FINISHED', endedAt: new Date(now).toISOString(), durationMs: now - started, steps: timeline.records });
    run.writeJson('manifest.json', manifest);
    if (reporter) await writeReportPage(reporter, run, g, events);
    const predict = g.results.predict && 'dir' in g.results.predict ? g.results.predict.dir : undefined;
    result = { runId: run.runId, runDir: run.dir, rows: scale?.rows.test ?? 0, dropped: scale?.dropped ?? 0, metrics, predictDir: predict, preprocessing, modelDir };
  } finally {
    engine.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
  return result;
}
