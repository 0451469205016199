import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseForPrune, removeChosen, type PruneOptions, type PruneResult } from './cache-list.js';
import { SPILL_DIR } from './temp-dirs.js';
import { currentProcess, processState, writerGone, type ProcessIdentity } from './process-identity.js';

/**
 * Derived files: what runs write under the temporary directory (`.prd/tmp/<kind>/`) and reuse by content, such as a
 * source's Parquet conversions and the rows the leading filters kept. Unlike cache entries they are not a step's
 * output, but they are as big (a CSV's conversion takes about the CSV's size), so `prd cache` lists and prunes them.
 *
 * A file's last use is its modification time: whoever reuses one calls {@link useDerivedFile}, which also records this
 * process under `<tmp>/.users/`. A prune keeps every file touched since a live user registered, so a run never loses
 * a file it opened; one it has not yet touched is converted again if it is gone, as on a first run.
 */
const USERS_DIR = '.users';
// Directories of the temporary directory that hold no reusable files (DuckDB's spill files, removed by DuckDB).
const NOT_DERIVED = new Set([SPILL_DIR]);
// A file being written: `<name>.<pid>.partial` (removed by the cache's leftover sweep once its writer ends).
const PARTIAL = /\.\d+\.partial$/;
// A file being pruned: `<file>.pruned-<pid>-<ms>` (removed here if its prune was killed).
const PRUNED = /\.pruned-(\d+)-(\d+)$/;
// Start times and modification times come from one clock; allow for file systems with whole-second times.
const CLOCK_SLACK_MS = 2_000;

/** One derived file (a `.parquet` with its `.json` index, say), as `prd cache` shows it. */
export interface DerivedFileRow {
  /** The directory under the temporary directory: `csv`, `synthetic`, `selections`, ... */
  kind: string;
  /** The name shared by its files, without extensions. */
  name: string;
  files: string[];
  bytes: number;
  lastUsedAt: string;
  /** Whether a live process used it since it started. */
  inUse: boolean;
}

interface UserRecord extends ProcessIdentity {
  /** When the process registered (ms): every derived file it uses is touched after this. */
  since: number;
}

const registered = new Map<string, string>();
process.once('exit', () => {
  for (const file of registered.values()) rmSync(file, { force: true });
});

/** Mark a derived file as used now, by this process (call before reading it, and after writing it). */
export function useDerivedFile(tempDir: string, path: string): void {
  register(tempDir);
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    // a read-only or vanished file: reading it will say what is wrong
  }
}

function register(tempDir: string): void {
  if (registered.has(tempDir)) return;
  const me = currentProcess();
  const file = join(tempDir, USERS_DIR, `${me.pid}-${me.startedAt ?? 0}.json`);
  try {
    mkdirSync(join(tempDir, USERS_DIR), { recursive: true });
    const record: UserRecord = { ...me, since: Date.now() };
    writeFileSync(file, JSON.stringify(record));
    registered.set(tempDir, file);
  } catch {
    // a read-only temporary directory cannot be pruned either
  }
}

/** When each live user registered (ms); records of ended processes are removed on the way. */
function liveUsers(tempDir: string): number[] {
  const dir = join(tempDir, USERS_DIR);
  if (!existsSync(dir)) return [];
  const since: number[] = [];
  for (const name of readdirSync(dir)) {
    let record: UserRecord;
    try {
      record = JSON.parse(readFileSync(join(dir, name), 'utf8')) as UserRecord;
    } catch {
      continue; // being written: its process has touched nothing yet
    }
    if (processState(record) === 'gone') {
      try {
        unlinkSync(join(dir, name));
      } catch {
        // removed by another process
      }
      continue;
    }
    since.push(record.since);
  }
  return since;
}

/** Every derived file under a temporary directory, most recently used first. */
export function listDerivedFiles(tempDir: string): DerivedFileRow[] {
  if (!existsSync(tempDir)) return [];
  const users = liveUsers(tempDir);
  const liveSince = users.length > 0 ? Math.min(...users) : undefined;
  const rows: DerivedFileRow[] = [];
  for (const kind of readdirSync(tempDir, { withFileTypes: true })) {
    if (!kind.isDirectory() || kind.name.startsWith('.') || NOT_DERIVED.has(kind.name)) continue;
    const groups = new Map<string, { files: string[]; bytes: number; lastUsed: number }>();
    for (const entry of readdirSync(join(tempDir, kind.name), { withFileTypes: true })) {
      const path = join(tempDir, kind.name, entry.name);
      const aside = PRUNED.exec(entry.name);
      if (aside && writerGone(Number(aside[1]), Number(aside[2]))) rmSync(path, { force: true });
      if (!entry.isFile() || aside || PARTIAL.test(entry.name)) continue;
      const stat = statSync(path);
      const name = entry.name.split('.')[0];
      const group = groups.get(name) ?? { files: [], bytes: 0, lastUsed: 0 };
      group.files.push(path);
      group.bytes += stat.size;
      group.lastUsed = Math.max(group.lastUsed, stat.mtimeMs);
      groups.set(name, group);
    }
    for (const [name, g] of groups) {
      const inUse = liveSince !== undefined && g.lastUsed >= liveSince - CLOCK_SLACK_MS;
      rows.push({ kind: kind.name, name, files: g.files.sort(), bytes: g.bytes, lastUsedAt: new Date(g.lastUsed).toISOString(), inUse });
    }
  }
  return rows.sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/** Remove derived files by the rules of cache entries (`keepLast` per kind); never one a live process has used. */
export function pruneDerivedFiles(tempDir: string, options: PruneOptions): PruneResult<DerivedFileRow> {
  const chosen = chooseForPrune(listDerivedFiles(tempDir), (row) => row.kind, options);
  return removeChosen(chosen, (row) => removeDerivedRow(tempDir, row));
}

/**
 * Remove one listed derived file: move its files aside, then look at them again. A process that used the file after
 * it was listed (its touch comes before it looks for the file) has given it a time at or after its registration:
 * then the files go back, unless the process has meanwhile made the file again. Otherwise they are deleted; a process
 * that looks for the file from now on finds it gone and makes it again. Exported for its test.
 */
export function removeDerivedRow(tempDir: string, row: DerivedFileRow): boolean {
  const stamp = `pruned-${process.pid}-${Date.now()}`;
  const moved: Array<[string, string]> = [];
  for (const file of row.files) {
    try {
      renameSync(file, `${file}.${stamp}`);
      moved.push([file, `${file}.${stamp}`]);
    } catch {
      // already gone
    }
  }
  const users = liveUsers(tempDir);
  const liveSince = users.length > 0 ? Math.min(...users) : undefined;
  const usedMeanwhile = liveSince !== undefined && moved.some(([, aside]) => statSync(aside).mtimeMs >= liveSince - CLOCK_SLACK_MS);
  for (const [file, aside] of moved) {
    if (usedMeanwhile && !existsSync(file)) renameSync(aside, file);
    else rmSync(aside, { force: true });
  }
  return !usedMeanwhile;
}
