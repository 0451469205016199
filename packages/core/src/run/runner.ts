import { mkdirSync } from 'node:fs';
import { cpus, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { DataEngine } from '../data/engine.js';
import type { FeatureSpec } from '../data/features.js';
import { isPrdError } from '../errors.js';
import { spillDir, tempDirBeside } from './temp-dirs.js';
import type { MetricTree, PluginContext, WorkerLauncher } from '../plugin/contract.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { entryDigest } from './entry-digest.js';
import { isModelUri, resolveModel } from './inference.js';
import type { ResolvedRecipe } from '../recipe/resolve.js';
import { secrets } from '../recipe/secrets.js';
import { StepCache } from './cache.js';
import { drawFigures, writeReportPage } from './report-acts.js';
import type { StepEnv } from './context.js';
import { RunEvents, type RunStatus } from './events.js';
import { gitInfo } from './git.js';
import type { GraphContext } from './graph.js';
import { createInstances, manifestPlugins } from './instances.js';
import { openForResume } from './resume.js';
import { RunDirectory, type Manifest } from './run-dir.js';
import { STEP_NAMES, STEPS } from './steps/table.js';
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
  /** Start training from this model's weights (a run directory, its model/ folder, or a tracker model URI). */
  from?: string;
  /** How to start `prd worker` processes (the CLI gives it), for backends that train in a child process. */
  worker?: WorkerLauncher;
}

/**
 * Draws a run's report in two acts: the figures in the report step, the page once the run has ended, so the page shows
 * the run's final manifest (its duration is the one the terminal prints). Each returns the files it wrote, relative
 * to the run directory.
 */
export interface RunReporter {
  /** Draws the figures (plots/) from the run directory. */
  figures(input: { runDir: string; events: RunEvents; signal: AbortSignal }): Promise<string[]>;
  /** Writes report.html from the run directory and the figures drawn. */
  page(runDir: string): Promise<string[]>;
}

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
  const tempDir = tempDirBeside(cacheRoot);
  const run = options.resume ? openForResume(runsDir, options.resume, display) : RunDirectory.create(runsDir, recipe.name);
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
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.from || options.resume ? { lineage: { ...(options.from ? { forkedFrom: options.from } : {}), ...(options.resume ? { resumedFrom: run.runId } : {}) } } : {}),
  };
  run.writeJson('recipe.resolved.json', display);
  run.writeJson('manifest.json', manifest);
  const engine = await DataEngine.open({ tempDir: spillDir(tempDir), memoryLimit: options.memoryLimit ?? process.env.PRD_MEMORY_LIMIT ?? '1GB', signal });
  const timeline = new StepTimeline(new StepCache(cacheRoot, !options.noCache, { events, tempDir }), events, signal);
  let trackers: TrackerFanout | undefined;
  let status: RunStatus = 'FAILED';
  let g: GraphContext | undefined;
  let failure: unknown;
  try {
    const pluginContext = { seed: recipe.seed, baseDir: loaded.dir, pointer: '', events, tempDir };
    const instances = await createInstances(recipe, registry, pluginContext);
    manifest.plugins = manifestPlugins(instances);
    const env: StepEnv = { registry, seed: recipe.seed, spec: recipe.data.features as FeatureSpec, train: recipe.train, instances, engine, cache: new StepCache(cacheRoot), events, signal, pluginContext };
    trackers = new TrackerFanout(instances.trackers, events);
    const fanout = trackers;
    const sentEpochs = new Set<number>();
    const stopForwarding = events.on((e) => {
      if (e.type !== 'epoch') return;
      sentEpochs.add(e.record.epoch);
      fanout.epochEnded(e.record);
    });
    events.emit({ type: 'run:start', runId: run.runId, runDir: run.dir, steps: [...STEP_NAMES] });
    // The model a fork starts from, resolved (and downloaded, for a tracker URI) before anything else runs.
    const from = options.from ? await forkSource(options.from, registry, pluginContext, tempDir) : undefined;
    await trackers.runStarted({ runId: run.runId, runDir: run.dir, name: recipe.name, recipe: display, tags: { ...runTags(manifest), ...options.tags }, startTime: started });
    const reporter = options.reporter;
    const graph: GraphContext = {
      env,
      results: {},
      run,
      manifest,
      resume: options.resume !== undefined,
      trackers,
      worker: options.worker && { ...options.worker, plugins: { extra: recipe.plugins ?? [], baseDir: loaded.dir } },
      sentEpochs,
      ...(from ? { from } : {}),
      report: reporter ? () => drawFigures(reporter, run, manifest, graph, timeline.records, events, signal) : undefined,
    };
    g = graph;
    for (const def of STEPS) await timeline.run(graph, def);
    run.writeJson('metrics.json', graph.metrics ?? {});
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
    if (status === 'FINISHED' && options.reporter && g) await writeReportPage(options.reporter, run, g, events);
    await trackers?.runEnded({ status, runDir: run.dir, endTime: ended });
    events.emit({ type: 'run:end', status, runId: run.runId, runDir: run.dir, durationMs: ended - started });
  }
  if (failure) throw failure;
  return { runId: run.runId, runDir: run.dir, status, metrics: g?.metrics ?? {}, durationMs: manifest.durationMs ?? Date.now() - started };
}

function runTags(manifest: Manifest): Record<string, string> {
  const tags: Record<string, string> = { 'prd.run_id': manifest.runId, 'prd.recipe': manifest.recipe.file };
  try {
    tags['mlflow.user'] = userInfo().username;
  } catch {
    // no user name in some containers
  }
  if (manifest.lineage?.forkedFrom) tags['prd.forked_from'] = manifest.lineage.forkedFrom;
  if (manifest.lineage?.resumedFrom) tags['prd.resumed_from'] = manifest.lineage.resumedFrom;
  if (manifest.git) {
    tags['mlflow.source.git.commit'] = manifest.git.commit;
    if (manifest.git.branch) tags['mlflow.source.git.branch'] = manifest.git.branch;
  }
  return tags;
}

/** The model `--from` names: a run directory, a model/ folder or a tracker URI, with its content digest for keys. */
async function forkSource(source: string, registry: PluginRegistry, context: PluginContext, tempDir: string): Promise<NonNullable<GraphContext['from']>> {
  const scratch = join(tempDir, `from-${process.pid}-${Date.now()}`);
  mkdirSync(scratch, { recursive: true });
  const model = await resolveModel(isModelUri(source) ? source : resolve(source), registry, context, scratch);
  return { source, modelDir: model.modelDir, digest: entryDigest(model.modelDir), preprocessing: model.preprocessing };
}
