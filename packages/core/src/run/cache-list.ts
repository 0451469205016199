import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PrdError } from '../errors.js';
import { ENTRY_FILE, ENTRY_FORMAT, type CacheEntryInfo } from './cache.js';
import { heldEntries } from './cache-lock.js';

/** One cache entry as `prd cache list` shows it. */
export interface CacheEntryRow {
  step: string;
  key: string;
  /** Bytes of its files. */
  bytes: number;
  createdAt: string;
  /** When a run last used it (entry.json's modification time). */
  lastUsedAt: string;
  /** `ok`, or `outdated` (an older prd's format: rebuilt on use), or `damaged` (its entry.json is unreadable). */
  state: 'ok' | 'outdated' | 'damaged';
  /** Whether a live process uses it now. */
  inUse: boolean;
}

// Finished entries are named by their key alone; temporary and lock files carry a dot.
const ENTRY_NAME = /^[0-9a-f]+$/;

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

/** Every entry of a cache, newest use first. */
export function listEntries(root: string): CacheEntryRow[] {
  if (!existsSync(root)) return [];
  const held = heldEntries(root);
  const rows: CacheEntryRow[] = [];
  for (const step of readdirSync(root, { withFileTypes: true })) {
    if (!step.isDirectory() || step.name.startsWith('.')) continue;
    for (const key of readdirSync(join(root, step.name))) {
      const dir = join(root, step.name, key);
      if (!ENTRY_NAME.test(key) || !statSync(dir).isDirectory()) continue;
      const file = join(dir, ENTRY_FILE);
      let state: CacheEntryRow['state'] = 'damaged';
      let createdAt = statSync(dir).mtime.toISOString();
      let lastUsed = statSync(dir).mtimeMs;
      try {
        const info = JSON.parse(readFileSync(file, 'utf8')) as CacheEntryInfo;
        state = info.format === ENTRY_FORMAT ? 'ok' : 'outdated';
        createdAt = info.createdAt ?? createdAt;
        lastUsed = statSync(file).mtimeMs;
      } catch {
        // no readable entry.json: listed as damaged, so it can be pruned
      }
      rows.push({ step: step.name, key, bytes: dirBytes(dir), createdAt, lastUsedAt: new Date(lastUsed).toISOString(), state, inUse: held.has(`${step.name}/${key}`) });
    }
  }
  return rows.sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt) || a.step.localeCompare(b.step));
}

/** Which entries `prd cache prune` removes. */
export interface PruneOptions {
  /** Entries not used for this long (ms). */
  olderThanMs?: number;
  /** Keep the N most recently used entries of each step, remove the rest. */
  keepLast?: number;
  /** Every entry. */
  all?: boolean;
  now?: number;
}

/** What a prune removed (cache entries, or derived files), and what it kept because a live process uses it. */
export interface PruneResult<Row = CacheEntryRow> {
  removed: Row[];
  inUse: Row[];
  bytes: number;
}

/** Remove cache entries; never one a live process uses. */
export function pruneEntries(root: string, options: PruneOptions): PruneResult {
  const chosen = chooseForPrune(listEntries(root), (row) => row.step, options);
  return removeChosen(chosen, (row) => removeEntry(root, row));
}

/**
 * The rows (newest use first) a prune rule picks: every one, those unused for longer than `olderThanMs`, or all but
 * the `keepLast` newest of each group. Shared by cache entries (grouped by step) and derived files (by kind).
 */
export function chooseForPrune<T extends { lastUsedAt: string }>(rows: T[], groupOf: (row: T) => string, options: PruneOptions): T[] {
  const now = options.now ?? Date.now();
  const seen = new Map<string, number>();
  return rows.filter((row) => {
    const rank = seen.get(groupOf(row)) ?? 0;
    seen.set(groupOf(row), rank + 1);
    return options.all === true || (options.olderThanMs !== undefined && now - Date.parse(row.lastUsedAt) > options.olderThanMs) || (options.keepLast !== undefined && rank >= options.keepLast);
  });
}

/** Remove each chosen row with `remove`, except one in use or one `remove` refuses (false: a live process took it). */
export function removeChosen<T extends { bytes: number; inUse: boolean }>(chosen: T[], remove: (row: T) => boolean): PruneResult<T> {
  const result: PruneResult<T> = { removed: [], inUse: [], bytes: 0 };
  for (const row of chosen) {
    if (row.inUse || !remove(row)) result.inUse.push(row);
    else {
      result.removed.push(row);
      result.bytes += row.bytes;
    }
  }
  return result;
}

/** Move an entry aside in one step, check again that no live process took it meanwhile, then delete it. */
function removeEntry(root: string, row: CacheEntryRow): boolean {
  const dir = join(root, row.step, row.key);
  const aside = join(root, row.step, `${row.key}.pruned-${process.pid}-${Date.now()}`);
  try {
    renameSync(dir, aside);
  } catch {
    return false;
  }
  if (heldEntries(root).has(`${row.step}/${row.key}`)) {
    try {
      renameSync(aside, dir);
      return false;
    } catch {
      // an intact entry was written meanwhile: this one is a duplicate
    }
  }
  rmSync(aside, { recursive: true, force: true });
  return true;
}

/** Parse an age such as `7d`, `12h`, `30m`, `45s` or `2w` into ms. */
export function parseAge(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!match) throw new PrdError(`"${text}" is not an age; write a number and a unit: 45s, 30m, 12h, 7d or 2w`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(match[1]) * unit;
}
