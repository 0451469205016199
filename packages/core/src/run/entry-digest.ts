import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Files of a cache entry that are bookkeeping, not content: they never enter its digest. */
const BOOKKEEPING = new Set(['entry.json']);

/** Every file under `dir` (relative paths with `/`, sorted), bookkeeping left out. */
export function entryFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.filter((f) => !BOOKKEEPING.has(f)).sort();
}

/**
 * The content digest of a cache entry: a sha256 over each file's (relative path, size, sha256). Two entries with
 * the same digest hold the same bytes, so a step that reads an entry keys on this, not on the recipe above it.
 */
export function entryDigest(dir: string): string {
  const outer = createHash('sha256');
  for (const file of entryFiles(dir)) {
    const full = join(dir, file);
    outer.update(`${file}\0${statSync(full).size}\0${fileSha256(full)}\n`);
  }
  return outer.digest('hex');
}

/** sha256 (hex) of a file, read in blocks so files larger than memory (or than a Buffer) work. */
export function fileSha256(path: string): string {
  const hash = createHash('sha256');
  const block = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, block); n > 0; n = readSync(fd, block)) hash.update(block.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
