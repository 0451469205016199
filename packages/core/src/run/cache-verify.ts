import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { canonicalJson } from '../hash.js';

/** One file of a cache entry or checkpoint: its path (relative, `/`-separated), size and content digest. */
export interface FileRecord {
  path: string;
  size: number;
  sha256: string;
}

/** Every file under `dir` (relative paths, `/`-separated, sorted), except the names in `exclude` at its top. */
export function listFiles(dir: string, exclude: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      if (at === dir && exclude.includes(entry.name)) continue;
      if (entry.isDirectory()) walk(full);
      else out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

// Files hashed by this process, by path: a file whose inode, size, mtime and ctime are unchanged since is not hashed
// again. ctime is set by the kernel on every write and cannot be set back, so within one process this cannot miss
// a change made through the file system.
const hashed = new Map<string, { stamp: string; sha256: string }>();

function stampOf(file: string): string {
  const s = statSync(file, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** The sha256 (hex) of a file's content. */
export function sha256File(file: string): string {
  const stamp = stampOf(file);
  const known = hashed.get(file);
  if (known && known.stamp === stamp) return known.sha256;
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(file, 'r');
  try {
    for (let n = readSync(fd, buffer, 0, buffer.length, null); n > 0; n = readSync(fd, buffer, 0, buffer.length, null)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  const sha256 = hash.digest('hex');
  // Only remember the hash if nothing changed the file while it was read.
  if (stampOf(file) === stamp) hashed.set(file, { stamp, sha256 });
  return sha256;
}

/** Size and digest of every file under `dir` (but `exclude`d top-level names). */
export function recordFiles(dir: string, exclude: readonly string[] = []): FileRecord[] {
  return listFiles(dir, exclude).map((path) => {
    const full = join(dir, ...path.split('/'));
    return { path, size: statSync(full).size, sha256: sha256File(full) };
  });
}

/** One digest of a set of files (their paths, sizes and contents): what a later step's key can depend on. */
export function filesDigest(files: readonly FileRecord[]): string {
  return createHash('sha256')
    .update(canonicalJson([...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => [f.path, f.size, f.sha256])))
    .digest('hex');
}

/**
 * Check the files under `dir` against their records: every recorded file is there with its size and digest, and
 * there is no other file (but `exclude`d top-level names). Returns what is wrong, in a few words, or undefined.
 * Sizes are checked first, so a missing or truncated file is found without reading anything.
 */
export function checkFiles(dir: string, files: readonly FileRecord[], exclude: readonly string[] = []): string | undefined {
  if (!existsSync(dir)) return 'its directory is missing';
  for (const f of files) {
    const full = join(dir, ...f.path.split('/'));
    let size: number;
    try {
      size = statSync(full).size;
    } catch {
      return `${f.path} is missing`;
    }
    if (size !== f.size) return `${f.path} has ${size.toLocaleString('en-US')} bytes, not the ${f.size.toLocaleString('en-US')} recorded`;
  }
  const recorded = new Set(files.map((f) => f.path));
  const extra = listFiles(dir, exclude).find((p) => !recorded.has(p));
  if (extra) return `${extra} is not one of its recorded files`;
  for (const f of files) {
    if (sha256File(join(dir, ...f.path.split('/'))) !== f.sha256) return `${f.path} differs from its recorded sha256`;
  }
  return undefined;
}
