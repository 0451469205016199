import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { PrdError, RunEvents, resolveRecipe, runRecipe, tempDirBeside, type ComputeBackend, type MetricTree, type RunStatus } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { setFlag } from '../flags.js';
import { nodePackages, pluginSearchPaths, warnAboutRecipe } from '../plugins.js';
import { renderProgress } from '../render/run-progress.js';
import { keyScores } from '../render/scores.js';
import { cliVersion } from '../version.js';
import { loadReporter } from '../reporter.js';
import { workerLauncher } from '../worker-launcher.js';

/** The summary `prd run --json` prints. */
export interface RunSummary {
  runId: string;
  runDir: string;
  status: RunStatus;
  durationMs: number;
  metrics: MetricTree;
}

export default class Run extends PrdCommand {
  static override summary = 'Run a recipe: load, transform, split, train, predict, evaluate, explain, report.';
  static override description =
    'Writes runs/<run-id>/ (resolved recipe, manifest, model, metrics, history, predictions, plots, report). Steps whose inputs did not change are taken from the cache in .prd/cache.';
  static override examples = [
    '<%= config.bin %> run recipes/quickstart.json',
    '<%= config.bin %> run recipes/quickstart.json --set train.epochs=1 --json',
    '<%= config.bin %> run --resume 20261128-101500-quickstart-3fa2',
    '<%= config.bin %> run recipes/storms.json --from 20261128-101500-quickstart-3fa2 --set train.epochs=3',
  ];

  static override args = {
    recipe: Args.file({ description: 'Recipe JSON file (optional with --resume).', required: false }),
  };

  static override flags = {
    set: setFlag,
    resume: Flags.string({ description: 'Continue this run (its id or directory) from its last checkpoint.' }),
    from: Flags.string({
      description: 'Start training from the weights of this model: a run (id or directory), its model/ folder, or runs:/<id>/model, models:/<name>@<alias>, azureml:<name>:<version>. Fine-tuning and transfer to new data; the output layer may differ (other bands).',
    }),
    'runs-dir': Flags.directory({ description: 'Where run directories are written.', default: 'runs' }),
    'cache-dir': Flags.directory({ description: 'Where step outputs are cached.', default: join('.prd', 'cache') }),
    'no-cache': Flags.boolean({ description: 'Recompute every step (the cache is neither read nor reused).' }),
    'memory-limit': Flags.string({ description: 'Memory limit of the data engine (it spills to disk beyond it), e.g. 2GB.' }),
    'dry-run': Flags.boolean({ description: 'With a remote compute backend (azureml): print the request it would send, contact nothing.' }),
    progress: Flags.string({ description: 'Progress display: live on a terminal, plain lines otherwise.', options: ['auto', 'live', 'plain', 'none'], default: 'auto' }),
  };

  async run(): Promise<RunSummary | { job: Record<string, unknown> }> {
    const { args, flags } = await this.parse(Run);
    await this.initCommand(flags);
    const recipeFile = this.recipeFile(args.recipe, flags.resume, flags['runs-dir']);
    const resolved = await resolveRecipe(recipeFile, { overrides: flags.set, searchFrom: pluginSearchPaths() });
    warnAboutRecipe(resolved);
    const events = new RunEvents();
    const json = this.jsonEnabled();
    const mode = flags.progress === 'auto' ? (process.stderr.isTTY && !json && !process.env.CI ? 'live' : 'plain') : flags.progress;
    const stopRendering =
      mode === 'none'
        ? () => undefined
        : renderProgress(events, { live: mode === 'live', color: process.stderr.isTTY === true && !process.env.NO_COLOR, write: (line) => process.stderr.write(`${line}\n`) });
    const controller = new AbortController();
    // The real id goes into the hint of an interrupted run.
    let runId = flags.resume ?? '<run-id>';
    events.on((e) => {
      if (e.type === 'run:start') runId = e.runId;
    });
    let interrupts = 0;
    const onSignal = () => {
      interrupts += 1;
      if (interrupts > 1) process.exit(130);
      this.note('\nstopping after the current batch (Ctrl-C again to quit at once)…');
      controller.abort(new PrdError(`the run was interrupted (Ctrl-C); continue it with: prd run --resume ${runId}`, [], { exitCode: 130 }));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      // A backend that runs whole recipes elsewhere (AzureML) takes the run over here.
      const compute = resolved.recipe.compute ?? { use: 'local' };
      const backend = (await resolved.registry.require('backend', compute.use, '/compute/use').plugin.create(compute.with ?? {}, { seed: resolved.recipe.seed, baseDir: resolved.loaded.dir, pointer: '/compute', events, tempDir: tempDirBeside(flags['cache-dir']) })) as ComputeBackend;
      if (backend.submitRun) {
        // The CLI itself (with the engine and the reporter) and the packages of the plugins the remote recipe names.
        const remote = await backend.submitRun({ recipe: resolved.display, baseDir: resolved.loaded.dir, runsDir: flags['runs-dir'], packagesFor: nodePackages(resolved.registry), prdVersion: cliVersion(), dryRun: flags['dry-run'], events, signal: controller.signal });
        if (remote.dryRun) {
          if (!json) this.log(JSON.stringify({ job: remote.request }, null, 2));
          return { job: remote.request };
        }
        return { runId: remote.runId, runDir: remote.runDir, status: remote.status, durationMs: remote.durationMs, metrics: remote.metrics };
      }
      if (flags['dry-run']) throw new PrdError(`--dry-run needs a remote compute backend (compute.use "azureml"); "${compute.use}" runs here`);
      const result = await runRecipe({
        resolved,
        runsDir: flags['runs-dir'],
        cacheDir: flags['cache-dir'],
        resume: flags.resume,
        from: flags.from && !/^[a-z][a-z0-9+.-]*:/i.test(flags.from) && !existsSync(flags.from) ? join(flags['runs-dir'], flags.from) : flags.from,
        noCache: flags['no-cache'],
        memoryLimit: flags['memory-limit'],
        events,
        signal: controller.signal,
        prdVersion: cliVersion(),
        reporter: await loadReporter(),
        worker: workerLauncher(),
      });
      if (!json && mode !== 'none') for (const line of keyScores(result.metrics)) this.note(line);
      return { runId: result.runId, runDir: result.runDir, status: result.status, durationMs: result.durationMs, metrics: result.metrics };
    } finally {
      stopRendering();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }

  private recipeFile(recipe: string | undefined, resume: string | undefined, runsDir: string): string {
    if (recipe) return recipe;
    if (!resume) throw new PrdError('give a recipe file (prd run recipes/quickstart.json) or --resume <run-id>');
    const dir = existsSync(join(resume, 'manifest.json')) ? resume : join(runsDir, resume);
    const saved = join(dir, 'recipe.resolved.json');
    if (!existsSync(saved)) throw new PrdError(`no run "${resume}" in ${resolve(runsDir)} (no recipe.resolved.json); list runs with: ls ${runsDir}`);
    return saved;
  }
}
