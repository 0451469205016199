import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { secrets } from '@prd/core';
import { dirname, join } from 'node:path';
import type { RunStatus } from '@prd/core';
import type { Metric } from './limits.js';

/** The folder of a run directory where trackers keep their state; never uploaded as an artifact. */
export const TRACKING_DIR = 'tracking';

/**
 * What one MLflow tracker intended to send for a run and what the server acknowledged, kept in the run directory
 * (`tracking/mlflow-<target>.json`) so that `prd sync` can finish the job without duplicating metric points.
 */
export interface Ledger {
  version: 1;
  /** The server (credentials removed) and experiment. */
  target: { uri: string; experiment: string };
  prdRunId: string;
  runName: string;
  startTime: number;
  endTime?: number;
  status?: RunStatus;
  /** The MLflow run, once created. */
  mlflow?: { experimentId: string; runId: string; artifactUri: string };
  /** An existing MLflow run to log into rather than create one (the AzureML job's own run). */
  attachTo?: string;
  /** A create request went out; before creating again, look for the run by its `prd.run_id` tag. */
  createAttempted?: boolean;
  /** The run was resumed (`prd run --resume`): set the MLflow run back to RUNNING. */
  reopen?: boolean;
  params: Record<string, string>;
  tags: Record<string, string>;
  paramsSent: boolean;
  /** Tags acknowledged, by key and value (tags can change, so the value is checked too). */
  tagsSent: Record<string, string>;
  metrics: {
    /** Points not yet sent. */
    pending: Metric[];
    /** Points whose request failed in a way that may have reached the server; checked against its history. */
    uncertain: Metric[];
    /** Acknowledged points: key -> steps. */
    acked: Record<string, number[]>;
  };
  /** Final metrics from metrics.json were queued (at the end of the run, or by sync). */
  finalQueued: boolean;
  artifacts: { uploaded: Record<string, { size: number; mtimeMs: number }>; skipped: Record<string, string>; done: boolean };
  model: { logged: boolean; version?: string; aliasSet?: boolean };
  statusSent: boolean;
  /** The last error, redacted, for `prd sync` to explain what happened. */
  lastError?: string;
}

/** File of the ledger for one server and experiment, relative to the run directory. */
export function ledgerPath(uri: string, experiment: string): string {
  const id = createHash('sha256').update(`${uri}\n${experiment}`).digest('hex').slice(0, 10);
  return join(TRACKING_DIR, `mlflow-${id}.json`);
}

/** A fresh ledger. */
export function newLedger(init: Pick<Ledger, 'target' | 'prdRunId' | 'runName' | 'startTime' | 'params' | 'tags'>): Ledger {
  return {
    version: 1,
    ...init,
    paramsSent: false,
    tagsSent: {},
    metrics: { pending: [], uncertain: [], acked: {} },
    finalQueued: false,
    artifacts: { uploaded: {}, skipped: {}, done: false },
    model: { logged: false },
    statusSent: false,
  };
}

/** Read a ledger, if the run directory has one for this target. */
export function readLedger(runDir: string, relative: string): Ledger | undefined {
  const file = join(runDir, relative);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as Ledger;
}

/** Write a ledger atomically, so a crash never leaves half a file. */
export function writeLedger(runDir: string, relative: string, ledger: Ledger): void {
  const file = join(runDir, relative);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  // The target URI may carry a `?token=`: the ledger is a file prd writes, so credentials are masked in it.
  // Only string values are redacted, so a secret that happens to equal a key or a literal never breaks the JSON.
  writeFileSync(tmp, `${JSON.stringify(ledger, (_key, value: unknown) => (typeof value === 'string' ? secrets.redact(value) : value), 1)}\n`);
  renameSync(tmp, file);
}

/** Whether a point was acknowledged. */
export function isAcked(ledger: Ledger, key: string, step: number): boolean {
  return ledger.metrics.acked[key]?.includes(step) ?? false;
}

/** Record points as acknowledged. */
export function markAcked(ledger: Ledger, points: Metric[]): void {
  for (const p of points) {
    const steps = (ledger.metrics.acked[p.key] ??= []);
    if (!steps.includes(p.step)) steps.push(p.step);
  }
}

/** Whether everything the ledger knows of was acknowledged. */
export function isComplete(ledger: Ledger): boolean {
  const tagsDone = Object.entries(ledger.tags).every(([k, v]) => ledger.tagsSent[k] === v);
  return Boolean(ledger.mlflow) && ledger.paramsSent && tagsDone && ledger.metrics.pending.length === 0 && ledger.metrics.uncertain.length === 0 && ledger.artifacts.done && ledger.statusSent;
}
