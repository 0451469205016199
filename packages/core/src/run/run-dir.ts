import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PrdError } from '../errors.js';
import type { EpochRecord, RunStatus, StepName } from './events.js';
import type { GitInfo } from './git.js';
import type { ManifestPlugin } from './instances.js';
import { currentProcess, processState, type ProcessIdentity, type ProcessState } from './process-identity.js';

/** `process.json`: the process that writes a run directory, so a run whose process was killed can be told apart. */
export const PROCESS_FILE = 'process.json';

/** One step as the manifest records it. */
export interface StepRecord {
  name: StepName;
  key?: string;
  /** Content digest of the step's outputs (what the keys of the steps that read it are built from). */
  digest?: string;
  cached: boolean;
  skipped?: string;
  durationMs: number;
  summary?: Record<string, unknown>;
}

/** `manifest.json`: what ran, with which versions, on which data, and how long each step took. */
export interface Manifest {
  runId: string;
  name: string;
  status: RunStatus | 'RUNNING';
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  seed: number;
  recipe: { file: string; files: string[] };
  runtime: { prd: string; node: string; platform: string; cpus: number };
  git?: GitInfo;
  plugins: ManifestPlugin[];
  data?: { fingerprint: string; description: string; rows?: Record<string, number> };
  steps: StepRecord[];
  training?: Record<string, unknown>;
  error?: string;
  /** Where the run came from: the model it was forked from (`--from`), the run it resumed. */
  lineage?: { forkedFrom?: string; resumedFrom?: string };
  /** Tags given by whoever started the run (a sweep's and trial's ids, a cluster job's id). */
  tags?: Record<string, string>;
}

/** A run id: UTC time, the recipe name, and 4 random hex digits (`20261128-004512-quickstart-3fa2`). */
export function newRunId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40);
  return `${stamp}-${safe}-${randomBytes(2).toString('hex')}`;
}

/** The directory of one run (`runs/<run-id>/`): the source of truth that trackers mirror. */
export class RunDirectory {
  private constructor(readonly runId: string, readonly dir: string) {}

  /** Create a new run directory under `runsDir`. */
  static create(runsDir: string, name: string): RunDirectory {
    const runId = newRunId(name);
    const dir = join(runsDir, runId);
    mkdirSync(dir, { recursive: true });
    const run = new RunDirectory(runId, dir);
    run.recordProcess();
    return run;
  }

  /** Open an existing run directory by id, or by path. */
  static open(runsDir: string, runIdOrPath: string): RunDirectory {
    const dir = existsSync(join(runIdOrPath, 'manifest.json')) ? runIdOrPath : join(runsDir, runIdOrPath);
    if (!existsSync(join(dir, 'manifest.json'))) {
      throw new PrdError(`no run "${runIdOrPath}" in ${runsDir} (no manifest.json); list runs with: ls ${runsDir}`);
    }
    return new RunDirectory(dir.split(/[\\/]/).filter(Boolean).pop() ?? runIdOrPath, dir);
  }

  /** Record this process as the one writing the run (pid, host, start time). */
  recordProcess(): void {
    this.writeJson(PROCESS_FILE, currentProcess());
  }

  /** Whether the process that last wrote the run still runs (`unknown` for runs from before process.json or another host). */
  writerState(): ProcessState {
    const writer = this.readJsonSafe<ProcessIdentity>(PROCESS_FILE);
    return writer && typeof writer.pid === 'number' ? processState(writer) : 'unknown';
  }

  /** The recorded writer process, if any. */
  writer(): ProcessIdentity | undefined {
    return this.readJsonSafe<ProcessIdentity>(PROCESS_FILE);
  }

  private readJsonSafe<T>(relative: string): T | undefined {
    try {
      return this.readJson<T>(relative);
    } catch {
      return undefined;
    }
  }

  /** Absolute path of a file inside the run directory. */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** Write JSON atomically (temporary file, then rename), so a crash never leaves half a file. */
  writeJson(relative: string, value: unknown): void {
    this.writeText(relative, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Write text atomically. */
  writeText(relative: string, text: string): void {
    const target = this.path(relative);
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, target);
  }

  /** Read a JSON file of the run, if present. */
  readJson<T>(relative: string): T | undefined {
    const file = this.path(relative);
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  }

  /** Write `history.csv`: one row per epoch, one column per metric. */
  writeHistory(history: EpochRecord[]): void {
    this.writeText('history.csv', historyCsv(history));
  }
}

/** Per-epoch metrics as CSV: epoch, every metric (sorted, loss first), learning rate, duration, timestamp. */
export function historyCsv(history: EpochRecord[]): string {
  const names = [...new Set(history.flatMap((h) => Object.keys(h.metrics)))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const header = ['epoch', ...names, 'learning_rate', 'duration_ms', 'timestamp'];
  const rows = history.map((h) => [h.epoch, ...names.map((n) => h.metrics[n] ?? ''), h.learningRate ?? '', Math.round(h.durationMs), h.timestamp].join(','));
  return `${[header.join(','), ...rows].join('\n')}\n`;
}

function rank(metric: string): number {
  return metric === 'loss' ? 0 : metric === 'val_loss' ? 1 : 2;
}
