import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../hash.js';
import { removeLeftovers } from './cache-leftovers.js';
import { breakIfStale, HoldRecord, readLock, tryLock, unlock } from './cache-lock.js';
import { checkFiles, filesDigest, recordFiles, type FileRecord } from './cache-verify.js';
import { tempDirBeside } from './temp-dirs.js';
import type { RunEvents, StepName } from './events.js';

/** Layout version of `entry.json`; entries of another version are rebuilt. */
export const ENTRY_FORMAT = 2;
/** The file that describes an entry; an entry without a valid one does not exist. */
export const ENTRY_FILE = 'entry.json';

/** What a finished cache entry records about itself. */
export interface CacheEntryInfo {
  format: number;
  step: StepName;
  key: string;
  createdAt: string;
  /** Step-specific facts (row counts, shapes) needed to use the outputs without recomputing. */
  summary: Record<string, unknown>;
  /** Size and sha256 of every file of the entry (but entry.json). */
  files: FileRecord[];
  /** sha256 of the entry's files (paths, sizes, contents): the content digest later steps' keys can depend on. */
  digest: string;
  /** sha256 of everything above, so an edited entry.json is found too. */
  seal: string;
}

/** Options of a {@link StepCache}. */
export interface StepCacheOptions {
  /** Where warnings (a damaged entry being rebuilt) and waits are reported. */
  events?: RunEvents;
  /** Temporary directory whose `*.<pid>.partial` leftovers are removed at start; default `<root>/../tmp`. */
  tempDir?: string;
}

function sealOf(info: Omit<CacheEntryInfo, 'seal'>): string {
  const { format, step, key, createdAt, summary, files, digest } = info;
  return createHash('sha256').update(canonicalJson({ format, step, key, createdAt, summary, files, digest })).digest('hex');
}

/** Read and check an entry directory: its info, or what is wrong with it (`missing` when there is no entry). */
export function verifyEntry(dir: string): { info: CacheEntryInfo } | { problem: string; outdated?: boolean } {
  const file = join(dir, ENTRY_FILE);
  if (!existsSync(file)) return { problem: 'missing' };
  let info: CacheEntryInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as CacheEntryInfo;
  } catch {
    return { problem: `${ENTRY_FILE} is not valid JSON` };
  }
  if (info.format !== ENTRY_FORMAT) return { problem: `it has entry format ${String(info.format ?? 1)}, not ${ENTRY_FORMAT}`, outdated: true };
  if (!Array.isArray(info.files) || info.seal !== sealOf(info) || info.digest !== filesDigest(info.files)) return { problem: `${ENTRY_FILE} does not match its seal` };
  const problem = checkFiles(dir, info.files, [ENTRY_FILE]);
  return problem ? { problem } : { info };
}

/** The content digest of the entry in `dir` (recorded when it was written, checked when it is looked up). */
export function entryDigest(dir: string): string {
  const checked = verifyEntry(dir);
  if ('problem' in checked) throw new Error(`no intact cache entry in ${dir}: ${checked.problem}`);
  return checked.info.digest;
}

const lockWaitMs = 250;
let temporaries = 0;
const processHolds = new Map<string, HoldRecord>();
const cleaned = new Set<string>();
const warned = new Set<string>();
const exitTasks = new Set<() => void>();
process.once('exit', () => {
  for (const task of exitTasks) task();
});

/**
 * Step outputs by content key under `.prd/cache/<step>/<key>/`. Entries are write-once: written into a temporary
 * directory and renamed into place only if no entry exists (the first complete entry wins and everyone uses it);
 * an entry is never replaced while intact. Each entry records the size and sha256 of its files, checked on every
 * lookup: a damaged entry is reported with one warning and rebuilt. A lock file per key makes concurrent runs of one
 * recipe wait for the first one instead of computing the same entry again.
 */
export class StepCache {
  private readonly holds: HoldRecord;
  private readonly locks = new Map<string, string>();
  private readonly own = new Map<string, string>();

  constructor(readonly root: string, readonly enabled = true, private readonly options: StepCacheOptions = {}) {
    let holds = processHolds.get(root);
    if (!holds) {
      holds = new HoldRecord(root);
      processHolds.set(root, holds);
      const record = holds;
      exitTasks.add(() => record.clear());
    }
    this.holds = holds;
    if (!cleaned.has(root)) {
      cleaned.add(root);
      const removed = removeLeftovers(root, options.tempDir ?? tempDirBeside(root));
      if (removed.paths.length > 0) {
        options.events?.log(`removed ${removed.paths.length} leftover temporary file${removed.paths.length > 1 ? 's' : ''} of ended processes (${(removed.bytes / 1e6).toFixed(1)} MB)`);
      }
    }
  }

  /** Stop holding the entries this cache object used (a long-lived process done with a run); prune may then remove them. */
  close(): void {
    this.holds.release(this);
  }

  /** Directory of a finished entry (this process's own copy when the cache is disabled and an entry existed). */
  entryDir(step: StepName, key: string): string {
    return this.own.get(`${step}/${key}`) ?? join(this.root, step, key);
  }

  /** The finished, intact entry for a step and key, if any. A damaged one is reported once and treated as absent. */
  lookup(step: StepName, key: string): CacheEntryInfo | undefined {
    if (!this.enabled) return undefined;
    const id = `${step}/${key}`;
    const dir = join(this.root, step, key);
    if (!existsSync(dir)) return undefined;
    // Held before it is checked, so a concurrent prune sees it as in use.
    this.holds.add(this, id);
    const checked = verifyEntry(dir);
    if ('problem' in checked) {
      if (checked.problem !== 'missing') this.warn(id, checked);
      return undefined;
    }
    try {
      const now = new Date();
      utimesSync(join(dir, ENTRY_FILE), now, now);
    } catch {
      // last-used times are a convenience for `prd cache`
    }
    return checked.info;
  }

  /**
   * Before computing an entry: wait while another live process computes the same one (its lock file), then return
   * its entry; or take the lock and return undefined (this process computes it, then {@link commit}s or
   * {@link abandon}s). A lock left by an ended process is broken.
   */
  async acquire(step: StepName, key: string, signal?: AbortSignal): Promise<CacheEntryInfo | undefined> {
    if (!this.enabled) return undefined;
    mkdirSync(join(this.root, step), { recursive: true });
    const lock = join(this.root, step, `${key}.lock`);
    let announced = false;
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      if (tryLock(lock)) {
        const done = this.lookup(step, key);
        if (done) {
          unlock(lock);
          return done;
        }
        this.locks.set(`${step}/${key}`, lock);
        exitTasks.add(() => unlock(lock));
        return undefined;
      }
      if (breakIfStale(lock)) continue;
      const done = this.lookup(step, key);
      if (done) return done;
      if (!announced) {
        const holder = readLock(lock);
        this.options.events?.log(`waiting for process ${holder?.pid ?? '?'}, which is computing the same ${step} step (${key})`);
        announced = true;
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, lockWaitMs));
    }
  }

  /** A fresh temporary directory to write a step's outputs into before {@link commit}. */
  begin(step: StepName, key: string): string {
    const dir = join(this.root, step, `${key}.tmp-${process.pid}-${Date.now()}-${++temporaries}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /**
   * Turn a temporary directory into the entry for a key. If an intact entry appeared meanwhile (another process was
   * faster), that one is kept and returned and this one is dropped; a damaged one is moved aside and replaced.
   */
  commit(step: StepName, key: string, tmpDir: string, summary: Record<string, unknown>): CacheEntryInfo {
    const id = `${step}/${key}`;
    const files = recordFiles(tmpDir, [ENTRY_FILE]);
    const unsealed = { format: ENTRY_FORMAT, step, key, createdAt: new Date().toISOString(), summary, files, digest: filesDigest(files) };
    const info: CacheEntryInfo = { ...unsealed, seal: sealOf(unsealed) };
    writeFileSync(join(tmpDir, ENTRY_FILE), `${JSON.stringify(info, null, 2)}\n`);
    const dir = join(this.root, step, key);
    try {
      for (let attempt = 0; ; attempt++) {
        this.holds.add(this, id);
        try {
          renameSync(tmpDir, dir);
          return info;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= 3) throw error;
        }
        const existing = verifyEntry(dir);
        if ('info' in existing) {
          if (this.enabled) {
            this.abandonDir(tmpDir);
            return existing.info;
          }
          // --no-cache: this run uses what it computed, and leaves the intact entry to whoever uses it.
          this.own.set(id, tmpDir);
          exitTasks.add(() => rmSync(tmpDir, { recursive: true, force: true }));
          return info;
        }
        // Damaged: move it aside in one step (a reader never sees half of it), then remove it.
        const aside = join(this.root, step, `${key}.damaged-${process.pid}-${Date.now()}`);
        try {
          renameSync(dir, aside);
          rmSync(aside, { recursive: true, force: true });
        } catch {
          // another process moved it first
        }
      }
    } finally {
      this.release(id);
    }
  }

  /** Drop a temporary directory after a failure (and the lock, if this process took it). */
  abandon(tmpDir: string): void {
    this.abandonDir(tmpDir);
    const name = tmpDir.split(/[\\/]/).pop() ?? '';
    const step = tmpDir.split(/[\\/]/).slice(-2, -1)[0] ?? '';
    this.release(`${step}/${name.replace(/\.tmp-\d+-\d+-\d+$/, '')}`);
  }

  private abandonDir(tmpDir: string): void {
    rmSync(tmpDir, { recursive: true, force: true });
  }

  private release(id: string): void {
    const lock = this.locks.get(id);
    if (!lock) return;
    this.locks.delete(id);
    unlock(lock);
  }

  private warn(id: string, checked: { problem: string; outdated?: boolean }): void {
    const once = `${this.root}\0${id}`;
    if (warned.has(once)) return;
    warned.add(once);
    const [step, key] = id.split('/');
    if (checked.outdated) this.options.events?.log(`the cached ${step} step (${key}) was written by an older prd; computing it again`);
    else this.options.events?.log(`the cached ${step} step (${key}) is damaged: ${checked.problem}; computing it again`, 'warn');
  }
}
