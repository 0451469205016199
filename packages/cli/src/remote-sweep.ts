import { PrdError, tempDirBeside, type ComputeBackend, type RunEvents, type RemoteSweepResult, type RemoteTrial, type ResolvedRecipe } from '@prd/core';
import type { SweepSpec } from '@prd/sweep';
import { nodePackages } from './plugins.js';
import { cliVersion } from './version.js';

/** What `prd sweep --json` prints for a sweep sent to a remote backend (or, with --dry-run, the body it would send). */
export type RemoteSweepSummary = { job: Record<string, unknown>; warnings: string[] } | Omit<Extract<RemoteSweepResult, { dryRun: false }>, 'dryRun'>;

/** How a remote sweep talks to the terminal. */
export interface RemoteSweepIo {
  note(line: string): void;
  relayLogs(events: RunEvents): () => void;
}

/** The compute backend of a recipe when it runs sweeps elsewhere (AzureML), else undefined. */
export async function remoteSweepBackend(resolved: ResolvedRecipe, events: RunEvents, cacheDir: string): Promise<ComputeBackend | undefined> {
  const compute = resolved.recipe.compute ?? { use: 'local' };
  const backend = (await resolved.registry.require('backend', compute.use, '/compute/use').plugin.create(compute.with ?? {}, { seed: resolved.recipe.seed, baseDir: resolved.loaded.dir, pointer: '/compute', events, tempDir: tempDirBeside(cacheDir) })) as ComputeBackend;
  if (backend.submitSweep) return backend;
  if (backend.submitRun) throw new PrdError(`the "${compute.use}" backend runs whole recipes elsewhere but has no sweep jobs: run the sweep locally (compute.use "local")`);
  return undefined;
}

const show = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : String(v));

/** One line per trial change: name, status, params, latest objective. */
function trialLine(trial: RemoteTrial, metric: string): string {
  const params = Object.entries(trial.params).map(([k, v]) => `${k}=${show(v)}`).join(' ');
  return `trial ${trial.name}  ${trial.status.padEnd(9)}  ${params}${trial.objective !== undefined ? `  ${metric}=${show(trial.objective)}` : ''}`;
}

/**
 * Hand a checked sweep to the backend as one native sweep job: trial lines while it runs, Ctrl-C cancels the job, the
 * best trial (its run directory downloaded) at the end.
 */
export async function runRemoteSweep(backend: ComputeBackend, io: RemoteSweepIo, args: { resolved: ResolvedRecipe; spec: SweepSpec; seed: number; runsDir: string; dryRun: boolean; events: RunEvents }): Promise<RemoteSweepSummary> {
  const { resolved, spec, events } = args;
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    if (++interrupts > 1) process.exit(130);
    io.note('\ncancelling the sweep job (Ctrl-C again to quit at once)…');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stopRelay = io.relayLogs(events);
  try {
    const result = await backend.submitSweep!({
      recipe: resolved.display,
      baseDir: resolved.loaded.dir,
      runsDir: args.runsDir,
      packagesFor: nodePackages(resolved.registry),
      prdVersion: cliVersion(),
      dryRun: args.dryRun,
      events,
      signal: controller.signal,
      sweep: spec as unknown as Record<string, unknown>,
      seed: args.seed,
      progress: (trial) => io.note(trialLine(trial, spec.objective.metric)),
    });
    if (result.dryRun) return { job: result.request, warnings: result.warnings };
    io.note(`sweep job ${result.job} ${result.status}: ${result.trials.length} trials (${result.studioUrl})`);
    if (result.best) io.note(`best trial: ${result.best.trial} ${spec.objective.metric}=${show(result.best.objective)} ${Object.entries(result.best.params).map(([k, v]) => `${k}=${show(v)}`).join(' ')}${result.best.runDir ? `; run directory ${result.best.runDir}` : ''}`);
    const { dryRun: _, ...summary } = result;
    return summary;
  } finally {
    stopRelay();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
