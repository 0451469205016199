import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { DataEngine } from '../data/engine.js';
import { isPrdError } from '../errors.js';
import type { MetricTree, TrainOutcome } from '../plugin/contract.js';
import type { ResolvedRecipe } from '../recipe/resolve.js';
import { secrets } from '../recipe/secrets.js';
import { StepCache } from './cache.js';
import type { StepEnv } from './context.js';
import { RunEvents, type RunStatus } from './events.js';
import { gitInfo } from './git.js';
import { createInstances, manifestPlugins } from './instances.js';
import { stepKeys } from './keys.js';
import { dataSummary } from './data-summary.js';
import { copyIntoRun, readHistory, writePredictionsCsv } from './outputs.js';
import type { Preprocessing } from './preprocessing.js';
import { RunDirectory, type Manifest } from './run-dir.js';
import { runEvaluate, runExplain } from './steps/evaluate.js';
import { runPredict } from './steps/predict.js';
import { prepareData } from './steps/prepare.js';
import { runScale, type ScaleSummary } from './steps/scale.js';
import { runRebalance, runSplit } from './steps/split.js';
import { runTrain, shapeOf } from './steps/train.js';
import { StepTimeline } from './timeline.js';
import { TrackerFanout } from './trackers.js';

/** How to run a recipe. */
export interface RunOptions {
  resolved: ResolvedRecipe;
  /** Where run directories go; default `./runs`. */
  runsDir?: string;
  /** Where step outputs are cached; default `./.prd/cache`. */
  cacheDir?: string;
  /** Continue this run (id or directory) from its last checkpoint. */
  resume?: string;
  /** Ignore and do not reuse cached step outputs. */
  noCache?: boolean;
  events?: RunEvents;
  signal?: AbortSignal;
  /** DuckDB memory limit; default 1GB (it spills to disk beyond that). */
  memoryLimit?: string;
  /** prd's own version, for the manifest. */
  prdVersion?: string;
  /** Renders plots and report.html from the finished run directory (the CLI passes @prd/report's). */
  reporter?: RunReporter;
  /** Extra tags for the run's trackers (a sweep's and trial's ids, a cluster job's id). */
  tags?: Record<string, string>;
}

/** Renders a run directory's plots and report; returns the files it wrote, relative to the run directory. */
export type RunReporter = (input: { runDir: string; events: RunEvents; signal: AbortSignal }) => Promise<string[]>;

/** What `prd run` reports. */
export interface RunResult {
  runId: string;
  runDir: string;
  status: RunStatus;
  metrics: MetricTree;
  durationMs: number;
  error?: string;
}

/** Run a resolved recipe end to end and write its run directory. Throws (after recording the failure) on error. */
export async function runRecipe(options: RunOptions): Promise<RunResult> {
  const events = options.events ?? new RunEvents();
  const signal = options.signal ?? new AbortController().signal;
  const { recipe, display, loaded, registry } = options.resolved;
  const runsDir = resolve(options.runsDir ?? 'runs');
  const cacheRoot = resolve(options.cacheDir ?? join('.prd', 'cache'));
  const tempDir = join(cacheRoot, '..', 'tmp');
  const run = options.resume ? RunDirectory.open(runsDir, options.resume) : RunDirectory.create(runsDir, recipe.name);
  const started = Date.now();
  const manifest: Manifest = {
    runId: run.runId,
    name: recipe.name,
    status: 'RUNNING',
    startedAt: new Date(started).toISOString(),
    seed: recipe.seed,
    recipe: { file: loaded.path, files: loaded.files },
    runtime: { prd: options.prdVersion ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
    git: gitInfo(loaded.dir),
    plugins: [],
    steps: [],
  };
  run.writeJson('recipe.resolved.json', display);
  run.writeJson('manifest.json', manifest);
  const engine = await DataEngine.open({ tempDir: join(tempDir, 'duckdb'), memoryLimit: options.memoryLimit ?? process.env.PRD_MEMORY_LIMIT ?? '1GB' });
  const timeline = new StepTimeline(new StepCache(cacheRoot, !options.noCache), events, signal);
  let trackers: TrackerFanout | undefined;
  let status: RunStatus = 'FAILED';
  let metrics: MetricTree = {};
  let failure: unknown;
  try {
    const pluginContext = { seed: recipe.seed, baseDir: loaded.dir, pointer: '', events, tempDir };
    const instances = await createInstances(recipe, registry, pluginContext);
    manifest.plugins = manifestPlugins(instances);
    const env: StepEnv = { resolved: options.resolved, recipe, instances, engine, cache: new StepCache(cacheRoot), events, signal, pluginContext };
    trackers = new TrackerFanout(instances.trackers, events);
    const stopForwarding = events.on((e) => e.type === 'epoch' && trackers?.epochEnded(e.record));
    events.emit({ type: 'run:start', runId: run.runId, runDir: run.dir, steps: ['load', 'transform', 'split', 'rebalance', 'scale', 'train', 'predict', 'evaluate', 'explain', 'report'] });
    await trackers.runStarted({ runId: run.runId, runDir: run.dir, name: recipe.name, recipe: display, tags: { ...runTags(manifest), ...options.tags }, startTime: started });

    const data = await timeline.plain('load', () => prepareData(env), (d) => ({ source: d.description }), instances.source.use);
    await timeline.plain('transform', async () => data, () => ({ transforms: instances.transforms.map((t) => t.use).join(', ') || 'none' }));
    const keys = stepKeys(recipe, instances, data.fingerprint);
    manifest.data = { fingerprint: data.fingerprint, description: data.description };

    const split = await timeline.cached('split', keys.split, async (dir) => ({ rows: await runSplit(env, data, dir) }));
    let rebalanceDir: string | undefined;
    if (keys.rebalance) {
      rebalanceDir = (await timeline.cached('rebalance', keys.rebalance, async (dir) => ({ rows: await runRebalance(env, data, split.dir, dir) }))).dir;
    } else {
      timeline.skip('rebalance', 'no "rebalance" in the recipe');
    }
    // The data figures' numbers; a failure here loses figures, never the run.
    const summary = await dataSummary(engine, split.dir, rebalanceDir, data.features).catch((error: unknown) => {
      events.log(`no data summary: ${(error as Error).message}`, 'warn');
      return undefined;
    });
    if (summary) run.writeJson('data-summary.json', summary);
    const scale = await timeline.cached('scale', keys.scale, async (dir) => {
      const { summary, preprocessing } = await runScale(env, data, split.dir, rebalanceDir, dir);
      writeJsonFile(join(dir, 'preprocessing.json'), preprocessing);
      return { ...summary };
    });
    const scaleSummary = scale.info.summary as unknown as ScaleSummary;
    const preprocessing = JSON.parse(readFileSync(join(scale.dir, 'preprocessing.json'), 'utf8')) as Preprocessing;
    manifest.data.rows = scaleSummary.rows;

    const train = await timeline.cached('train', keys.train, async (dir) => {
      const outcome = await runTrain(env, scale.dir, scaleSummary, preprocessing, join(dir, 'model'), run.path('checkpoints'), options.resume !== undefined);
      writeJsonFile(join(dir, 'history.json'), outcome.history);
      const { history: _history, ...rest } = outcome;
      return { ...rest };
    });
    const outcome = train.info.summary as unknown as Omit<TrainOutcome, 'history'>;
    manifest.training = { ...outcome };
    copyIntoRun(run, join(train.dir, 'model'), 'model');
    run.writeHistory(readHistory(train.dir));

    const shape = shapeOf(scaleSummary, preprocessing.task);
    if (scaleSummary.rows.validation + scaleSummary.rows.test === 0) {
      timeline.skip('predict', 'no validation or test rows');
      timeline.skip('evaluate', 'no validation or test rows');
    } else {
      const predict = await timeline.cached('predict', keys.predict, async (dir) => ({ rows: await runPredict(env, scale.dir, join(train.dir, 'model'), preprocessing, dir) }));
      if (existsSync(join(predict.dir, 'test.parquet'))) await writePredictionsCsv(engine, join(predict.dir, 'test.parquet'), preprocessing, run.path('predictions.csv'));
      if (instances.evaluators.length === 0) {
        timeline.skip('evaluate', 'no "evaluate" in the recipe');
      } else {
        const evaluated = await timeline.cached('evaluate', keys.evaluate, async (dir) => {
          const computed = await runEvaluate(env, data, predict.dir, join(dir, 'evaluation'));
          writeJsonFile(join(dir, 'metrics.json'), computed);
          return { splits: Object.keys(computed).join(', ') };
        });
        metrics = JSON.parse(readFileSync(join(evaluated.dir, 'metrics.json'), 'utf8')) as MetricTree;
        copyIntoRun(run, join(evaluated.dir, 'evaluation'), 'evaluation');
      }
    }
    run.writeJson('metrics.json', metrics);
    if (instances.explainers.length === 0 || scaleSummary.rows.test === 0) {
      timeline.skip('explain', instances.explainers.length === 0 ? 'no "explain" in the recipe' : 'no test rows');
    } else {
      const explained = await timeline.cached('explain', keys.explain, async (dir) => ({ explainers: Object.keys(await runExplain(env, data, scale.dir, join(train.dir, 'model'), shape, dir)).join(', ') }));
      copyIntoRun(run, explained.dir, 'explain');
    }
    if (options.reporter) {
      const reporter = options.reporter;
      // The report reads the manifest: give it everything but the report step itself.
      const now = Date.now();
      run.writeJson('manifest.json', { ...manifest, status: 'FINISHED', endedAt: new Date(now).toISOString(), durationMs: now - started, steps: timeline.records });
      await timeline.plain('report', () => reporter({ runDir: run.dir, events, signal }), (files) => ({ files: files.length }));
    } else {
      timeline.skip('report', 'no report renderer was given');
    }
    stopForwarding();
    status = 'FINISHED';
  } catch (error) {
    failure = error;
    status = signal.aborted ? 'KILLED' : 'FAILED';
    manifest.error = secrets.redact(isPrdError(error) ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  } finally {
    engine.close();
    const ended = Date.now();
    Object.assign(manifest, { status, endedAt: new Date(ended).toISOString(), durationMs: ended - started, steps: timeline.records });
    run.writeJson('manifest.json', manifest);
    await trackers?.runEnded({ status, runDir: run.dir, endTime: ended });
    events.emit({ type: 'run:end', status, runId: run.runId, runDir: run.dir, durationMs: ended - started });
  }
  if (failure) throw failure;
  return { runId: run.runId, runDir: run.dir, status, metrics, durationMs: Date.now() - started };
}

function writeJsonFile(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function runTags(manifest: Manifest): Record<string, string> {
  const tags: Record<string, string> = { 'prd.run_id': manifest.runId, 'prd.recipe': manifest.recipe.file };
  try {
    tags['mlflow.user'] = userInfo().username;
  } catch {
    // no user name in some containers
  }
  if (manifest.git) {
    tags['mlflow.source.git.commit'] = manifest.git.commit;
    if (manifest.git.branch) tags['mlflow.source.git.branch'] = manifest.git.branch;
  }
  return tags;
}
