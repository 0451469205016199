import logUpdate from 'log-update';
import { secrets } from '@prd/core';
import { formatValue, type SweepState, type TrialRecord } from '@prd/sweep';

/** Columns of a table, padded to their widest cell. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function objective(t: TrialRecord): string {
  return t.objective === undefined ? '' : formatValue(t.objective);
}

/** The trials as rows: number, state, values, latest objective, epoch. */
export function trialRows(state: SweepState): string[] {
  const paths = Object.keys(state.spec.space);
  return table(
    ['trial', 'state', ...paths, state.spec.objective.metric, 'epoch'],
    state.trials.map((t) => [String(t.number), t.state, ...paths.map((p) => formatValue(t.params[p])), objective(t), t.epoch === undefined ? '' : `${t.epoch}/${t.epochs ?? '?'}`]),
  );
}

/** The end-of-sweep summary: every trial, which were stopped early, by what rule and why, and the best. */
export function summaryLines(state: SweepState, extra: string[] = []): string[] {
  const lines = [`sweep ${state.sweepId}: ${state.status}, ${state.trials.length} trials in ${(state.elapsedMs / 1000).toFixed(1)} s`, ...trialRows(state)];
  const stopped = state.trials.filter((t) => t.stoppedBy);
  if (stopped.length > 0) {
    lines.push('', `stopped early (${stopped.length}):`);
    for (const t of stopped) lines.push(`  trial ${t.number}: ${t.stoppedBy!.rule}: ${t.stoppedBy!.reason}`);
  }
  const failed = state.trials.filter((t) => t.state === 'failed');
  if (failed.length > 0) lines.push('', `failed (${failed.length}):`);
  for (const t of failed) lines.push(`  trial ${t.number}: ${t.error ?? 'unknown error'}`);
  if (state.best !== undefined) {
    const best = state.trials[state.best - 1];
    lines.push('', `best: trial ${best.number}, ${state.spec.objective.metric} ${objective(best)} (${Object.entries(best.params).map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')}), run ${best.runId ?? '?'}`);
  }
  return [...lines, ...extra];
}

/** How progress is shown. */
export interface SweepRenderOptions {
  live: boolean;
  write: (line: string) => void;
}

/**
 * Shows a sweep while it runs: a live table redrawn in place on a terminal, or one plain line per trial event
 * (started, stopped, ended) otherwise. Returns the listener for state changes and a function that ends the display.
 */
export function sweepRenderer(options: SweepRenderOptions): { update(state: SweepState, trial?: TrialRecord): void; done(): void } {
  const seen = new Map<number, string>();
  let last = 0;
  return {
    update(state, trial) {
      if (options.live) {
        const now = Date.now();
        if (now - last < 150 && trial?.state === 'running') return;
        last = now;
        const head = `sweep ${state.sweepId}: ${state.trials.filter((t) => t.state === 'running').length} running, ${state.trials.filter((t) => t.state !== 'running' && t.state !== 'pending').length}/${state.spec.limits.trials} done, ${(state.elapsedMs / 1000).toFixed(0)} s`;
        logUpdate(secrets.redact([head, ...trialRows(state)].join('\n')));
        return;
      }
      if (!trial) return;
      const key = `${trial.state}`;
      if (seen.get(trial.number) === key) return;
      seen.set(trial.number, key);
      const values = Object.entries(trial.params).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ');
      const detail = trial.state === 'running' ? values : `${state.spec.objective.metric} ${objective(trial) || '-'} at epoch ${trial.epoch ?? '-'}${trial.stoppedBy ? `; ${trial.stoppedBy.rule}: ${trial.stoppedBy.reason}` : ''}${trial.error ? `; ${trial.error}` : ''}`;
      options.write(secrets.redact(`trial ${trial.number} ${trial.state}: ${detail}`));
    },
    done() {
      if (options.live) logUpdate.done();
    },
  };
}
