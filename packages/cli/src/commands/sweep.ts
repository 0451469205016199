import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { newRunId, PrdError, resolveRecipe, RunEvents, tempDirBeside, type RunStatus } from '@prd/core';
import { sweepReportHtml } from '@prd/report';
import {
  bestTrial,
  checkSweep,
  createSampler,
  noRegisterSets,
  openParentRun,
  readState,
  SweepScheduler,
  workerLauncher,
  writeBestRecipe,
  writeState,
  type SweepState,
  type SweepStatus,
} from '@prd/sweep';
import { PrdCommand } from '../base-command.js';
import { setFlag } from '../flags.js';
import { CLI_DIR, pluginSearchPaths, warnAboutRecipe } from '../plugins.js';
import { remoteSweepBackend, runRemoteSweep, type RemoteSweepSummary } from '../remote-sweep.js';
import { summaryLines, sweepRenderer } from '../render/sweep-table.js';

/** What `prd sweep --json` prints. */
export interface SweepSummary {
  sweepId: string;
  sweepDir: string;
  status: SweepStatus;
  elapsedMs: number;
  best?: { trial: number; objective: number; params: Record<string, unknown>; runId?: string; recipe: string };
  trials: Array<{ number: number; state: string; params: Record<string, unknown>; objective?: number; epoch?: number; runId?: string; stoppedBy?: { rule: string; reason: string }; error?: string }>;
  registered: string[];
  report: string;
}

const PARENT_STATUS: Record<SweepStatus, RunStatus> = { finished: 'FINISHED', 'timed-out': 'FINISHED', running: 'KILLED', interrupted: 'KILLED', failed: 'FAILED' };

export default class Sweep extends PrdCommand {
  static override summary = "Run a recipe's hyperparameter sweep: trials in parallel worker processes, with early termination.";
  static override description =
    'Reads the recipe\'s "sweep" section (search space, sampling, objective, early termination, limits), checks every value the space can draw against the recipe schema, then runs the trials as prd worker processes sharing the step cache. Writes runs/sweeps/<id>/ (sweep.json, report.html, best-recipe.json). Ctrl-C stops every trial; --resume continues.';
  static override examples = [
    '<%= config.bin %> sweep recipes/hyperdrive-original.json',
    '<%= config.bin %> sweep recipes/hyperdrive-original.json --json',
    '<%= config.bin %> sweep --resume 20261202-061500-hyperdrive-original-3fa2',
    '<%= config.bin %> sweep recipes/azureml-hyperdrive.json --dry-run --json',
  ];

  static override args = {
    recipe: Args.file({ description: 'Recipe JSON file with a "sweep" section (optional with --resume).', required: false }),
  };

  static override flags = {
    set: setFlag,
    resume: Flags.string({ description: 'Continue this sweep (its id or directory): trials that were interrupted continue from their checkpoints.' }),
    'runs-dir': Flags.directory({ description: 'Where run directories (and runs/sweeps/<id>) are written.', default: 'runs' }),
    'cache-dir': Flags.directory({ description: 'The step cache the trials share.', default: join('.prd', 'cache') }),
    'dry-run': Flags.boolean({ description: 'With compute azureml: print the sweep job body that would be sent, and send nothing.', default: false }),
    progress: Flags.string({ description: 'Progress display: a live table on a terminal, plain lines otherwise.', options: ['auto', 'live', 'plain', 'none'], default: 'auto' }),
  };

  async run(): Promise<SweepSummary | RemoteSweepSummary> {
    const { args, flags } = await this.parse(Sweep);
    await this.initCommand(flags);
    const runsDir = resolve(flags['runs-dir']);
    const cacheDir = resolve(flags['cache-dir']);
    let previous: SweepState | undefined;
    let sweepDir: string;
    if (flags.resume) {
      sweepDir = existsSync(join(flags.resume, 'sweep.json')) ? resolve(flags.resume) : join(runsDir, 'sweeps', flags.resume);
      previous = readState(join(sweepDir, 'sweep.json'));
      if (previous.status === 'finished') throw new PrdError(`sweep ${previous.sweepId} has finished; its results are in ${sweepDir}`);
    } else if (!args.recipe) {
      throw new PrdError('give a recipe file with a "sweep" section (prd sweep recipes/hyperdrive-original.json) or --resume <sweep-id>');
    }
    const recipeFile = previous?.recipe ?? resolve(args.recipe!);
    const set = previous?.set ?? flags.set;
    const resolved = await resolveRecipe(recipeFile, { overrides: set, searchFrom: pluginSearchPaths() });
    warnAboutRecipe(resolved);
    const spec = checkSweep(resolved);
    const seed = spec.seed ?? resolved.recipe.seed;
    // A backend with native sweep jobs (AzureML) takes the whole sweep: one job there, not trials here.
    const remoteEvents = new RunEvents();
    const remote = previous ? undefined : await remoteSweepBackend(resolved, remoteEvents, cacheDir);
    if (remote) {
      const io = { note: (line: string) => this.note(line), relayLogs: (events: RunEvents) => this.relayLogs(events) };
      const summary = await runRemoteSweep(remote, io, { resolved, spec, seed, runsDir, dryRun: flags['dry-run'], events: remoteEvents });
      if ('warnings' in summary && !this.jsonEnabled()) this.log(JSON.stringify(summary, null, 2));
      return summary;
    }
    if (flags['dry-run']) throw new PrdError(`--dry-run needs a backend with sweep jobs (compute.use "azureml"); "${resolved.recipe.compute?.use ?? 'local'}" sweeps run here`);
    const sweepId = previous?.sweepId ?? newRunId(`${resolved.recipe.name}-sweep`);
    sweepDir ??= join(runsDir, 'sweeps', sweepId);
    const stateFile = join(sweepDir, 'sweep.json');
    const state: SweepState = previous ?? {
      version: 1,
      sweepId,
      recipe: resolved.loaded.path,
      set,
      spec,
      seed,
      status: 'running',
      createdAt: new Date().toISOString(),
      elapsedMs: 0,
      dataReady: false,
      trials: [],
      childTags: {},
    };
    writeState(stateFile, state);

    const cores = availableParallelism();
    const wanted = state.spec.limits.concurrency ?? 1;
    const concurrency = Math.max(1, Math.min(wanted, cores));
    if (concurrency < wanted) this.note(`running ${concurrency} trials at once, not ${wanted}: this machine has ${cores} cores`);

    const json = this.jsonEnabled();
    const events = new RunEvents();
    events.on((e) => e.type === 'log' && e.level !== 'debug' && this.note(`${e.level === 'warn' ? 'warning: ' : ''}${e.message}`));
    const parent = await openParentRun(resolved, sweepDir, state, events, tempDirBeside(cacheDir));
    state.childTags = { ...state.childTags, ...parent.childTags };

    const mode = flags.progress === 'auto' ? (process.stderr.isTTY && !json && !process.env.CI ? 'live' : json ? 'none' : 'plain') : flags.progress;
    const renderer = sweepRenderer({ live: mode === 'live', write: (line) => mode !== 'none' && this.note(line) });
    const scheduler = new SweepScheduler({
      state,
      sampler: createSampler(state.spec.sampling, Object.entries(state.spec.space), state.seed),
      concurrency,
      launch: workerLauncher({
        command: [process.execPath, join(CLI_DIR, 'bin', 'run.js')],
        sweepId,
        sweepDir,
        recipe: state.recipe,
        set: [...set, ...noRegisterSets(resolved)],
        runsDir,
        cacheDir,
        childTags: state.childTags,
        // Each trial's data engine gets its share of the cores.
        env: { ...process.env, PRD_THREADS: process.env.PRD_THREADS ?? String(Math.max(1, Math.floor(cores / concurrency))) },
      }),
      changed: (s, trial) => {
        writeState(stateFile, s);
        renderer.update(s, trial);
      },
    });
    let interrupts = 0;
    const onSignal = () => {
      interrupts += 1;
      if (interrupts > 1) process.exit(130);
      this.note(`\nstopping every trial (Ctrl-C again to quit at once); continue with: prd sweep --resume ${sweepId}`);
      scheduler.stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let final: SweepState;
    try {
      final = await scheduler.run();
    } finally {
      renderer.done();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    writeState(stateFile, final);

    const best = bestTrial(final);
    let bestFile: string | undefined;
    const registered: string[] = [];
    if (best && final.status !== 'interrupted') {
      bestFile = writeBestRecipe(sweepDir, { recipeFile: state.recipe, display: resolved.display, set, params: best.params, name: `${resolved.recipe.name}-best` });
      if (best.runDir) registered.push(...(await parent.registerBest(best.runDir)));
    }
    const report = join(sweepDir, 'report.html');
    writeFileSync(
      report,
      await sweepReportHtml({
        sweepId,
        recipe: state.recipe,
        metric: state.spec.objective.metric,
        goal: state.spec.objective.goal,
        status: final.status,
        elapsedMs: final.elapsedMs,
        best: best?.number,
        trials: final.trials,
      }),
    );
    await parent.end(final, PARENT_STATUS[final.status]);

    const extra = [`sweep directory: ${sweepDir}`, `report: ${report}`];
    if (bestFile) extra.push(`best recipe: ${bestFile} (prd run ${bestFile})`);
    for (const r of registered) extra.push(`registered: ${r}`);
    if (final.status === 'interrupted') extra.push(`interrupted: continue with prd sweep --resume ${sweepId}`);
    if (!json) for (const line of summaryLines(final, extra)) process.stdout.write(`${line}\n`);
    if (final.status === 'failed') throw new PrdError(`sweep ${sweepId} stopped: ${final.error ?? 'a trial failed'}`);
    if (final.status === 'interrupted') process.exitCode = 130;
    return {
      sweepId,
      sweepDir,
      status: final.status,
      elapsedMs: final.elapsedMs,
      best: best ? { trial: best.number, objective: best.objective!, params: best.params, runId: best.runId, recipe: bestFile! } : undefined,
      trials: final.trials.map((t) => ({ number: t.number, state: t.state, params: t.params, objective: t.objective, epoch: t.epoch, runId: t.runId, stoppedBy: t.stoppedBy, error: t.error })),
      registered,
      report,
    };
  }
}
