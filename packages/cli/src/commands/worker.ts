import { Args } from '@oclif/core';
import { isPrdError, readJob, resolveRecipe, RunEvents, runRecipe, secrets, type RunEvent, type WorkerLine } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { setFlag } from '../flags.js';
import { pluginSearchPaths } from '../plugins.js';
import { loadReporter } from '../reporter.js';
import { cliVersion } from '../version.js';
import type { RunSummary } from './run.js';

/** Write one JSON line on stdout, secrets redacted. */
function emit(line: WorkerLine<RunEvent, RunSummary>): void {
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
      const resolved = await resolveRecipe(job.recipe, { overrides: [...(job.set ?? []), ...flags.set], searchFrom: pluginSearchPaths() });
      for (const failure of resolved.registry.failures) emit({ type: 'event', event: { type: 'log', level: 'warn', message: `plugin package ${failure.packageName} was not loaded: ${failure.message}` } });
      const events = new RunEvents();
      events.on((event) => emit({ type: 'event', event }));
      const result = await runRecipe({
        resolved,
        runsDir: job.runsDir,
        cacheDir: job.cacheDir,
        resume: job.resume,
        tags: job.tags,
        events,
        signal: controller.signal,
        prdVersion: cliVersion(),
        reporter: await loadReporter(),
      });
      emit({ type: 'result', result: { runId: result.runId, runDir: result.runDir, status: result.status, durationMs: result.durationMs, metrics: result.metrics } });
    } catch (error) {
      const exitCode = controller.signal.aborted ? 130 : isPrdError(error) ? error.exitCode : 1;
      emit({ type: 'error', message: error instanceof Error ? error.message : String(error), exitCode });
      process.exitCode = exitCode;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }
}
