import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { createPluginInstance, PrdError, RunDirectory, RunEvents, resolveRecipe, secrets, settleKilledRun } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { setFlag } from '../flags.js';
import { pluginSearchPaths, warnAboutRecipe } from '../plugins.js';

/** What one tracker did for `prd sync`. */
export interface TrackerSync {
  /** The recipe slot, such as `/track/0`. */
  slot: string;
  use: string;
  sent: string[];
  skipped: string[];
  error?: string;
}

/** The summary `prd sync --json` prints. */
export interface SyncSummary {
  runId: string;
  runDir: string;
  /** Set when the run's manifest said RUNNING but its process had ended: sync recorded it as KILLED. */
  markedKilled?: boolean;
  trackers: TrackerSync[];
}

export default class Sync extends PrdCommand {
  static override summary = "Send what a run's trackers could not send while it ran (a tracking server that was down).";
  static override description =
    'Reads the run directory (the source of truth) and each tracker\'s record of what the server acknowledged, and sends the rest: params, metric points, artifacts, the model, the status. Nothing is sent twice, so it is safe to run again. Environment placeholders in the recipe (${env:MLFLOW_TRACKING_URI}) are read from the environment as for prd run.';
  static override examples = ['<%= config.bin %> sync 20261128-101500-quickstart-3fa2', '<%= config.bin %> sync runs/20261128-101500-quickstart-3fa2 --json', '<%= config.bin %> sync 20261128-101500-quickstart-3fa2 --set track.0.with.uri=http://mlflow:5000'];

  static override args = {
    run: Args.string({ description: 'Run id (a folder of --runs-dir) or run directory.', required: true }),
  };

  static override flags = {
    set: setFlag,
    'runs-dir': Flags.directory({ description: 'Where run directories are.', default: 'runs' }),
  };

  async run(): Promise<SyncSummary> {
    const { args, flags } = await this.parse(Sync);
    await this.initCommand(flags);
    const run = RunDirectory.open(resolve(flags['runs-dir']), args.run);
    // A run whose process was killed (SIGKILL, out of memory, power loss) still says RUNNING: record how it ended, so
    // that trackers receive KILLED rather than waiting for ever.
    const killed = settleKilledRun(run);
    if (killed && !this.jsonEnabled()) this.note(`run ${run.runId} was RUNNING, but its process has ended: recorded it as KILLED`);
    const resolved = await resolveRecipe(run.path('recipe.resolved.json'), { overrides: flags.set, searchFrom: pluginSearchPaths() });
    warnAboutRecipe(resolved);
    const refs = resolved.recipe.track ?? [];
    if (refs.length === 0) throw new PrdError(`run ${run.runId} has no trackers ("track" is empty in its recipe); add one with --set 'track=[{"use":"mlflow"}]'`);
    const events = new RunEvents();
    const json = this.jsonEnabled();
    events.on((e) => {
      if (e.type === 'log' && e.level !== 'debug' && !json) this.note(e.message);
    });
    const trackers: TrackerSync[] = [];
    for (const [i, ref] of refs.entries()) {
      const slot = `/track/${i}`;
      const context = { seed: resolved.recipe.seed, baseDir: resolved.loaded.dir, pointer: slot, events, tempDir: join(tmpdir(), 'prd-sync') };
      const tracker = (await createPluginInstance(resolved.registry, 'tracker', ref, slot, context)).instance;
      if (!tracker.sync) {
        trackers.push({ slot, use: ref.use, sent: [], skipped: [`tracker "${ref.use}" has nothing to sync`] });
        continue;
      }
      try {
        const { sent, skipped } = await tracker.sync(run.dir);
        trackers.push({ slot, use: ref.use, sent, skipped });
      } catch (error) {
        trackers.push({ slot, use: ref.use, sent: [], skipped: [], error: secrets.redact(error instanceof Error ? error.message : String(error)) });
      }
    }
    if (!json) {
      for (const t of trackers) {
        const head = `${t.use} (${t.slot})`;
        if (t.error) this.note(`✗ ${head}: ${t.error}`);
        else this.note(`✓ ${head}: ${t.sent.length > 0 ? `sent ${t.sent.join(', ')}` : 'already complete, nothing to send'}`);
        for (const s of t.skipped) this.note(`  skipped: ${s}`);
      }
    }
    const failed = trackers.filter((t) => t.error);
    if (failed.length > 0) {
      throw new PrdError(`${failed.length} of ${trackers.length} trackers could not sync run ${run.runId}`, failed.map((t) => ({ pointer: t.slot, message: t.error ?? '' })));
    }
    return { runId: run.runId, runDir: run.dir, ...(killed ? { markedKilled: true } : {}), trackers };
  }
}
