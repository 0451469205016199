import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PrdError, type Issue } from '../errors.js';
import { canonicalJson } from '../hash.js';
import { escapePointer } from '../recipe/json-source.js';
import { RunDirectory, type Manifest } from './run-dir.js';

/** Recipe values a resumed run may change: only how many epochs to train. */
export const RESUMABLE_CHANGES: readonly string[] = ['/train/epochs'];

/** One value that differs between two recipes. */
export interface RecipeDifference {
  pointer: string;
  before: unknown;
  after: unknown;
}

/** Every leaf value (by JSON pointer) that differs between two JSON values; arrays compare element by element. */
export function recipeDifferences(before: unknown, after: unknown, pointer = ''): RecipeDifference[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => recipeDifferences(before[k], after[k], `${pointer}/${escapePointer(k)}`));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((v, i) => recipeDifferences(v, after[i], `${pointer}/${i}`));
  }
  return canonicalJson(before) === canonicalJson(after) ? [] : [{ pointer, before, after }];
}

function shown(value: unknown): string {
  return value === undefined ? '(not set)' : JSON.stringify(value);
}

/**
 * Open a run to continue it: refuses (PrdError, exit 2) when the recipe differs from the run's in anything but
 * {@link RESUMABLE_CHANGES} (listing each value), or when the run's process still runs; then records this process
 * as the run's writer.
 */
export function openForResume(runsDir: string, runIdOrPath: string, display: Record<string, unknown>): RunDirectory {
  const run = RunDirectory.open(runsDir, runIdOrPath);
  const saved = run.readJson<Record<string, unknown>>('recipe.resolved.json');
  if (!saved) throw new PrdError(`run ${run.runId} has no recipe.resolved.json, so it cannot be resumed; start a new run instead`);
  const { $schema: _a, ...was } = saved;
  const { $schema: _b, ...now } = display;
  const differences = recipeDifferences(was, now).filter((d) => !RESUMABLE_CHANGES.includes(d.pointer));
  if (differences.length > 0) {
    const issues: Issue[] = differences.map((d) => ({ pointer: d.pointer, message: `the run used ${shown(d.before)}, this recipe has ${shown(d.after)}` }));
    throw new PrdError(
      `run ${run.runId} cannot be resumed with a different recipe (only ${RESUMABLE_CHANGES.join(', ')} may change); drop the differing values, or start a new run without --resume`,
      issues,
    );
  }
  if (run.writerState() === 'alive') {
    throw new PrdError(`run ${run.runId} is still running (process ${run.writer()?.pid}); wait for it or stop it before resuming`);
  }
  run.recordProcess();
  return run;
}

/**
 * If a run's manifest says RUNNING but its process has ended (killed: SIGKILL, power loss, out of memory), record it
 * as KILLED, ended at its last written file. Returns the updated manifest, or undefined when nothing changed.
 */
export function settleKilledRun(run: RunDirectory, foundBy = 'prd sync'): Manifest | undefined {
  const manifest = run.readJson<Manifest>('manifest.json');
  if (!manifest || manifest.status !== 'RUNNING' || run.writerState() !== 'gone') return undefined;
  const ended = lastWrite(run.dir);
  const started = Date.parse(manifest.startedAt);
  const settled: Manifest = {
    ...manifest,
    status: 'KILLED',
    endedAt: new Date(ended).toISOString(),
    durationMs: Number.isFinite(started) ? Math.max(0, ended - started) : undefined,
    error: `the run's process (pid ${run.writer()?.pid}) ended without finishing the run (killed); found by ${foundBy}`,
  };
  run.writeJson('manifest.json', settled);
  return settled;
}

function lastWrite(dir: string, depth = 2): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (depth > 1) latest = Math.max(latest, lastWrite(path, depth - 1));
    } else {
      latest = Math.max(latest, statSync(path).mtimeMs);
    }
  }
  return latest;
}
