import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrdError, type MetricTree } from '@prd/core';
import type { SweepSpec } from './schema.js';
import type { Params } from './space.js';

/** Where a trial is. `interrupted` trials (Ctrl-C) run again, from their checkpoint, on `--resume`. */
export type TrialState = 'pending' | 'running' | 'finished' | 'early-stopped' | 'timed-out' | 'failed' | 'interrupted';

/** One trial of a sweep, as kept in sweep.json. */
export interface TrialRecord {
  /** 1-based number, shown in tables and used in tags. */
  number: number;
  params: Params;
  /** The draw's point in the unit cube (what TPE learns from). */
  unit: number[];
  state: TrialState;
  runId?: string;
  runDir?: string;
  /** The last epoch reported and how many the trial runs. */
  epoch?: number;
  epochs?: number;
  /** The objective per epoch (per-epoch objectives), keyed by epoch. */
  curve: Record<string, number>;
  /** The latest objective value; the final one once the trial ended. */
  objective?: number;
  /** The run's end metrics (metrics.json), once finished. */
  metrics?: MetricTree;
  /** Why the trial ended before its last epoch. */
  stoppedBy?: { rule: string; reason: string };
  error?: string;
  startedAt?: string;
  endedAt?: string;
  /** How often the trial was started (a resumed trial twice). */
  attempts: number;
}

/** How a sweep stands. */
export type SweepStatus = 'running' | 'finished' | 'interrupted' | 'timed-out' | 'failed';

/** Everything `prd sweep --resume` needs, written atomically to runs/sweeps/<id>/sweep.json after every change. */
export interface SweepState {
  version: 1;
  sweepId: string;
  /** The recipe file and the --set flags the sweep was started with. */
  recipe: string;
  set: string[];
  spec: SweepSpec;
  seed: number;
  status: SweepStatus;
  createdAt: string;
  endedAt?: string;
  /** Total running time over all sessions (resume adds to it). */
  elapsedMs: number;
  /** Whether a trial got past the data steps, so that the others can share its cached split and scaling. */
  dataReady: boolean;
  trials: TrialRecord[];
  /** Tags every trial run gets, so trackers nest it under the sweep's parent run. */
  childTags: Record<string, string>;
  error?: string;
  /** The best trial's number, once known. */
  best?: number;
}

/** Write the state atomically: a crash never leaves half a file. */
export function writeState(file: string, state: SweepState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 1)}\n`);
  renameSync(tmp, file);
}

/** Read a sweep's state. */
export function readState(file: string): SweepState {
  if (!existsSync(file)) throw new PrdError(`no sweep state at ${file}; give the sweep id shown when it started (runs/sweeps/<id>)`);
  const state = JSON.parse(readFileSync(file, 'utf8')) as SweepState;
  if (state.version !== 1) throw new PrdError(`${file} is a sweep state of version ${String(state.version)}, which this prd cannot resume`);
  return state;
}

/** Trials that ended for good (a resumed sweep does not run them again). */
export function isDone(trial: TrialRecord): boolean {
  return trial.state === 'finished' || trial.state === 'early-stopped' || trial.state === 'timed-out' || trial.state === 'failed';
}
