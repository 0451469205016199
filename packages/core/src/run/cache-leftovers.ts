import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { breakIfStale, heldEntries } from './cache-lock.js';
import { writerGone } from './process-identity.js';

/** What {@link removeLeftovers} removed. */
export interface Leftovers {
  paths: string[];
  bytes: number;
}

// `<key>.tmp-<pid>-<ms>-<n>` (an entry being written), `<key>.damaged-<pid>-<ms>` / `<key>.pruned-<pid>-<ms>` (being
// removed), and `<name>.<pid>.partial` (a conversion being written, by source plugins under the temporary directory).
const TEMPORARY_ENTRY = /\.(?:tmp|damaged|pruned)-(\d+)-(\d+)(?:-\d+)?$/;
const PARTIAL_FILE = /\.(\d+)\.partial$/;

function sizeOf(path: string): number {
  try {
    const s = statSync(path);
    if (!s.isDirectory()) return s.size;
    return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
  } catch {
    return 0;
  }
}

function remove(path: string, found: Leftovers): void {
  const bytes = sizeOf(path);
  rmSync(path, { recursive: true, force: true });
  found.paths.push(path);
  found.bytes += bytes;
}

/**
 * Remove what killed processes left: temporary entry directories and lock files under the cache root whose process
 * has ended, hold records of ended processes, and `*.<pid>.partial` files (up to two levels) under the temporary
 * directory. Files of live processes are never touched.
 */
export function removeLeftovers(cacheRoot: string, tempDir?: string): Leftovers {
  const found: Leftovers = { paths: [], bytes: 0 };
  if (existsSync(cacheRoot)) {
    heldEntries(cacheRoot);
    for (const step of readdirSync(cacheRoot, { withFileTypes: true })) {
      if (!step.isDirectory() || step.name.startsWith('.')) continue;
      const stepDir = join(cacheRoot, step.name);
      for (const name of readdirSync(stepDir)) {
        const path = join(stepDir, name);
        const temporary = TEMPORARY_ENTRY.exec(name);
        if (temporary && writerGone(Number(temporary[1]), Number(temporary[2]))) remove(path, found);
        else if (name.endsWith('.lock') && breakIfStale(path)) found.paths.push(path);
      }
    }
  }
  if (tempDir && existsSync(tempDir)) removePartials(tempDir, 2, found);
  return found;
}

function removePartials(dir: string, depth: number, found: Leftovers): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const partial = PARTIAL_FILE.exec(entry.name);
    if (partial) {
      let written: number;
      try {
        written = statSync(path).mtimeMs;
      } catch {
        continue;
      }
      if (writerGone(Number(partial[1]), written)) remove(path, found);
    } else if (entry.isDirectory() && depth > 1) {
      removePartials(path, depth - 1, found);
    }
  }
}
