import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPlugin, secrets, type ResolvedRecipe, type RunEvents, type RunStatus, type Tracker } from '@prd/core';
import { formatValue } from './space.js';
import type { SweepState } from './state.js';

/** Tracker options that register a model: trials leave them out, and the best trial's model is registered at the end. */
const REGISTER_KEYS = ['registerAs', 'alias'];

/** Whether a tracker of the recipe registers models. */
export function registers(ref: { with?: Record<string, unknown> }): boolean {
  return REGISTER_KEYS.some((k) => ref.with?.[k] !== undefined);
}

/**
 * `--set` flags that keep trials from registering their models (twelve trials must not make twelve versions):
 * the trackers' options as written (placeholders kept, so no secret reaches a job file) without the register keys.
 */
export function noRegisterSets(resolved: ResolvedRecipe): string[] {
  const track = (resolved.display.track ?? []) as Array<{ with?: Record<string, unknown> }>;
  return track.flatMap((ref, i) => {
    if (!registers(ref)) return [];
    const options = Object.fromEntries(Object.entries(ref.with ?? {}).filter(([k]) => !REGISTER_KEYS.includes(k)));
    return [`track.${i}.with=${JSON.stringify(options)}`];
  });
}

/** The sweep's parent run in every tracker of the recipe. */
export interface ParentRun {
  /** Tags that nest a trial under the parent, from every tracker. */
  childTags: Record<string, string>;
  /** Write the sweep's summary metrics and end the parent run. */
  end(state: SweepState, status: RunStatus): Promise<void>;
  /** Register the best trial's model with the trackers that were asked to register (sync of its run directory). */
  registerBest(runDir: string): Promise<string[]>;
}

/** The sweep's numbers as the parent run's metrics (metrics.json of the sweep directory). */
export function sweepMetrics(state: SweepState): Record<string, number> {
  const count = (s: string) => state.trials.filter((t) => t.state === s).length;
  const best = state.best === undefined ? undefined : state.trials[state.best - 1];
  return {
    trials: state.trials.length,
    finished: count('finished'),
    early_stopped: count('early-stopped'),
    failed: count('failed') + count('timed-out'),
    ...(best?.objective !== undefined ? { [`best_${state.spec.objective.metric.replace(/\//g, '_')}`]: best.objective, best_trial: best.number } : {}),
  };
}

/**
 * Start (or, on resume, reopen) the sweep's parent run through the recipe's tracker plugins, with the sweep
 * directory as its run directory. Tracker failures are warnings: a sweep never fails because a tracker did.
 */
export async function openParentRun(resolved: ResolvedRecipe, sweepDir: string, state: SweepState, events: RunEvents, tempDir: string): Promise<ParentRun> {
  const refs = resolved.recipe.track ?? [];
  const context = { seed: resolved.recipe.seed, baseDir: resolved.loaded.dir, pointer: '', events, tempDir };
  const trackers: Array<{ use: string; tracker: Tracker; index: number }> = [];
  const warn = (use: string, what: string, error: unknown) => events.log(`tracker "${use}" ${what} failed: ${secrets.redact(error instanceof Error ? error.message : String(error))}`, 'warn');
  for (const [index, ref] of refs.entries()) {
    try {
      trackers.push({ use: ref.use, tracker: await createPlugin(resolved.registry, 'tracker', ref, `/track/${index}`, context), index });
    } catch (error) {
      warn(ref.use, 'setup', error);
    }
  }
  const params = Object.fromEntries(Object.entries(state.spec.space).map(([path, d]) => [path, JSON.stringify(d)]));
  const childTags: Record<string, string> = {};
  for (const { use, tracker } of trackers) {
    try {
      await tracker.runStarted?.({
        runId: state.sweepId,
        runDir: sweepDir,
        name: resolved.recipe.name,
        recipe: { sweep: { ...state.spec, space: params }, recipe: state.recipe },
        tags: { 'prd.sweep_id': state.sweepId, 'prd.kind': 'sweep' },
        startTime: Date.parse(state.createdAt),
      });
      Object.assign(childTags, (await tracker.childTags?.()) ?? {});
    } catch (error) {
      warn(use, 'runStarted', error);
    }
  }
  return {
    childTags,
    async end(final, status) {
      writeFileSync(join(sweepDir, 'metrics.json'), `${JSON.stringify({ sweep: sweepMetrics(final) }, null, 2)}\n`);
      for (const { use, tracker } of trackers) {
        try {
          await tracker.runEnded?.({ status, runDir: sweepDir, endTime: Date.now() });
        } catch (error) {
          warn(use, 'runEnded', error);
        }
      }
    },
    async registerBest(runDir) {
      const done: string[] = [];
      for (const { use, tracker, index } of trackers) {
        if (!registers(refs[index]) || !tracker.sync) continue;
        try {
          const report = await tracker.sync(runDir);
          done.push(...report.sent.filter((s) => /regist|alias/.test(s)).map((s) => `${use}: ${s}`));
        } catch (error) {
          warn(use, 'registering the best model', error);
        }
      }
      return done;
    },
  };
}

/** One line per trial for logs: its values. */
export function describeParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
}
