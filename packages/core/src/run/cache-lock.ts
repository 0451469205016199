import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentProcess, processState, type ProcessIdentity } from './process-identity.js';

/** Who holds a lock file: the process and when it took it. */
export interface LockHolder extends ProcessIdentity {
  takenAt: number;
}

/** Where a cache's processes record the entries they use (`.prd/cache/.holds/<pid>-<start>.json`). */
export const HOLDS_DIR = '.holds';

/** Take a lock file by creating it (fails if it exists); true when this process now holds it. */
export function tryLock(file: string): boolean {
  const holder: LockHolder = { ...currentProcess(), takenAt: Date.now() };
  try {
    writeFileSync(file, JSON.stringify(holder), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The holder recorded in a lock file; undefined when it is unreadable (being written, or gone). */
export function readLock(file: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** Remove a lock file whose holder has ended; true when it was removed (the caller may then try to take it). */
export function breakIfStale(file: string): boolean {
  const holder = readLock(file);
  if (holder ? processState(holder) !== 'gone' : !unreadableForLong(file)) return false;
  // Another process may break it at the same moment: the lock only saves duplicated work (entries are created
  // atomically), so the rare case of two holders costs time, never a wrong entry.
  rmSync(file, { force: true });
  return true;
}

// A lock file is written in one call right after it is created; one still unreadable after this long was left by a
// process killed in between.
const UNREADABLE_MS = 10_000;

function unreadableForLong(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > UNREADABLE_MS;
  } catch {
    return false;
  }
}

/** Remove a lock file this process holds. */
export function unlock(file: string): void {
  const holder = readLock(file);
  if (holder && holder.pid === process.pid) rmSync(file, { force: true });
}

/**
 * The entries this process uses, recorded in one file per process under the cache root, so that `prd cache prune`
 * never removes an entry a live process reads. Each user (a StepCache) adds and releases its own; the file is
 * removed when the process exits.
 */
export class HoldRecord {
  private readonly users = new Map<object, Set<string>>();
  private readonly file: string;

  constructor(private readonly root: string) {
    const me = currentProcess();
    this.file = join(root, HOLDS_DIR, `${me.pid}-${me.startedAt ?? 0}.json`);
  }

  /** Record that `user` uses an entry (`<step>/<key>`). */
  add(user: object, entry: string): void {
    const entries = this.users.get(user) ?? new Set<string>();
    this.users.set(user, entries);
    if (entries.has(entry)) return;
    entries.add(entry);
    this.write();
  }

  /** `user` no longer uses any entry. */
  release(user: object): void {
    if (this.users.delete(user)) this.write();
  }

  /** Forget every entry (at exit). */
  clear(): void {
    this.users.clear();
    rmSync(this.file, { force: true });
  }

  private write(): void {
    const entries = new Set([...this.users.values()].flatMap((s) => [...s]));
    try {
      if (entries.size === 0) rmSync(this.file, { force: true });
      else {
        mkdirSync(join(this.root, HOLDS_DIR), { recursive: true });
        writeFileSync(this.file, JSON.stringify({ ...currentProcess(), entries: [...entries] }));
      }
    } catch {
      // A read-only cache cannot be pruned by anyone either.
    }
  }
}

/** Entries (`<step>/<key>`) that live processes hold; the records of ended processes are removed on the way. */
export function heldEntries(root: string): Set<string> {
  const held = new Set<string>();
  const dir = join(root, HOLDS_DIR);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return held;
  }
  for (const name of names) {
    const file = join(dir, name);
    let record: (ProcessIdentity & { entries: string[] }) | undefined;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as ProcessIdentity & { entries: string[] };
    } catch {
      continue;
    }
    if (processState(record) === 'gone') {
      try {
        unlinkSync(file);
      } catch {
        // removed by another process
      }
      continue;
    }
    for (const e of record.entries) held.add(e);
  }
  return held;
}
