import { Args } from '@oclif/core';
import { tmpdir } from 'node:os';
import { discoverPlugins, isPrdError, readJob, resolveRecipe, RunEvents, runRecipe, runTrainJob, secrets, type PluginRegistry, type RunEvent, type RunJob, type TrainOutcome, type TrainWorkerJob, type WorkerLine } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { setFlag } from '../flags.js';
import { pluginSearchPaths } from '../plugins.js';
import { workerLauncher } from '../worker-launcher.js';
import { loadReporter } from '../reporter.js';
import { cliVersion } from '../version.js';
import type { RunSummary } from './run.js';

/** Write one JSON line on stdout, secrets redacted. */
function emit(line: WorkerLine<RunEvent, RunSummary | TrainOutcome>): void {
  process.stdout.write(`${secrets.redact(JSON.stringify(line))}\n`);
}

export default class Worker extends PrdCommand {
  static override summary = 'Run one job file in this process and stream its events as JSON lines on stdout.';
  static override description =
    'The entry point that sweeps and cluster backends launch: the same job runs here, in a child process or on another machine. Each stdout line is {"type":"event","event":...}, then one {"type":"result",...} or {"type":"error",...}. SIGTERM or SIGINT stops the job after the current batch.';
  static override examples = ['<%= config.bin %> worker job.json'];
  static override enableJsonFlag = false;

  static override args = {
    job: Args.file({ description: 'The job file (JSON, "prdJob": 1).', required: true, exists: true }),
  };

  // An AzureML sweep trial passes its drawn values here: --set 'train.batchSize=${{search_space.train_batchSize}}'.
  static override flags = { set: setFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Worker);
    await this.initCommand(flags);
    const controller = new AbortController();
    const stop = () => controller.abort(new Error('the worker was asked to stop'));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      const job = readJob(args.job);
      const events = new RunEvents();
      events.on((event) => emit({ type: 'event', event }));
      if (job.kind === 'train') emit({ type: 'result', result: await this.train(job, events, controller.signal) });
      else emit({ type: 'result', result: await this.runRecipe(job, events, controller.signal, flags.set) });
    } catch (error) {
      const exitCode = controller.signal.aborted ? 130 : isPrdError(error) ? error.exitCode : 1;
      emit({ type: 'error', message: error instanceof Error ? error.message : String(error), exitCode });
      process.exitCode = exitCode;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }

  /** A whole recipe run. */
  private async runRecipe(job: RunJob, events: RunEvents, signal: AbortSignal, extraSet: string[]): Promise<RunSummary> {
    const resolved = await resolveRecipe(job.recipe, { overrides: [...(job.set ?? []), ...extraSet], searchFrom: pluginSearchPaths() });
    warnAsEvents(resolved.registry, events);
    const result = await runRecipe({
      resolved,
      runsDir: job.runsDir,
      cacheDir: job.cacheDir,
      resume: job.resume,
      tags: job.tags,
      from: job.from,
      events,
      signal,
      prdVersion: cliVersion(),
      reporter: await loadReporter(),
      worker: workerLauncher(),
    });
    return { runId: result.runId, runDir: result.runDir, status: result.status, durationMs: result.durationMs, metrics: result.metrics };
  }

  /** One training step, from its job. */
  private async train(job: TrainWorkerJob, events: RunEvents, signal: AbortSignal): Promise<TrainOutcome> {
    const registry = await discoverPlugins({ searchFrom: pluginSearchPaths(), extra: job.plugins?.extra, baseDir: job.plugins?.baseDir });
    warnAsEvents(registry, events);
    return runTrainJob(job, registry, { events, signal, tempDir: tmpdir() });
  }
}

/** Plugin packages that failed to load, as warning events (stdout carries only JSON lines). */
function warnAsEvents(registry: PluginRegistry, events: RunEvents): void {
  for (const failure of registry.failures) events.log(`plugin package ${failure.packageName} was not loaded: ${failure.message}`, 'warn');
}
