import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { closest, hashOf, literal, PrdError, type DataEngine, type Issue } from '@prd/core';

/** One data file the source reads. */
export interface DataFile {
  path: string;
  format: 'csv' | 'parquet';
  size: number;
  mtimeMs: number;
}

const GLOB_CHARS = /[*?[]/;

/** A file's format from its extension; `.csv.gz` is CSV too. */
export function formatOf(path: string): 'csv' | 'parquet' | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.parquet') || lower.endsWith('.pq')) return 'parquet';
  if (lower.endsWith('.csv') || lower.endsWith('.csv.gz') || lower.endsWith('.tsv')) return 'csv';
  return undefined;
}

/**
 * Expand the recipe's paths (files, directories or globs with `**`, relative to the recipe's directory) into data
 * files, sorted by path as the seed's held-out event order assumes (seed-pipeline.md §4.5). A directory means the
 * seed's `**\/prd_merged*.csv` and `.parquet` beneath it. A pattern that matches nothing is an error.
 */
export async function expandPaths(engine: DataEngine, patterns: readonly string[], baseDir: string, pointer: string): Promise<DataFile[]> {
  const issues: Issue[] = [];
  const found = new Map<string, DataFile>();
  for (const [i, pattern] of patterns.entries()) {
    const absolute = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern);
    let globs = [absolute];
    if (!GLOB_CHARS.test(absolute) && existsSync(absolute) && statSync(absolute).isDirectory()) {
      globs = [`${absolute}/**/prd_merged*.csv`, `${absolute}/**/prd_merged*.parquet`];
    }
    let matched = 0;
    for (const glob of globs) {
      const rows = await engine.rows<{ file: string }>(`SELECT file FROM glob(${literal(glob)})`);
      for (const { file } of rows) {
        const format = formatOf(file);
        if (!format) continue;
        matched++;
        if (!found.has(file)) {
          const s = statSync(file);
          found.set(file, { path: file, format, size: s.size, mtimeMs: s.mtimeMs });
        }
      }
    }
    if (matched === 0) {
      const suggestion = nearestPath(pattern, baseDir);
      const hint = noMatchHint(absolute, globs.length > 1);
      issues.push({ pointer: `${pointer}/paths/${i}`, file: absolute, message: suggestion ? `${hint}; did you mean "${suggestion}"?` : hint, suggestion });
    }
  }
  if (issues.length > 0) throw new PrdError(`no data files found for ${issues.length === 1 ? 'a path' : `${issues.length} paths`} of the source`, issues);
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function noMatchHint(pattern: string, wasDirectory: boolean): string {
  if (wasDirectory) return 'the directory has no prd_merged*.csv or prd_merged*.parquet files beneath it';
  // Walk up to the deepest directory that exists and say what is there.
  let dir = dirname(pattern);
  while (GLOB_CHARS.test(dir)) dir = dirname(dir);
  if (!existsSync(dir)) return `matches no files: the directory ${dir} does not exist`;
  const entries = readdirSync(dir).filter((e) => !e.startsWith('.')).slice(0, 5);
  return `matches no .csv or .parquet files${entries.length ? ` (${dir} has: ${entries.join(', ')}${entries.length === 5 ? ', ...' : ''})` : ` (${dir} is empty)`}`;
}

/**
 * The existing path nearest to a pattern that matched nothing, written as the recipe would write it: the first
 * component that does not exist is replaced by its closest sibling (`data/smal` -> `data/small`), the rest kept.
 */
export function nearestPath(pattern: string, baseDir: string): string | undefined {
  const absolute = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern);
  const parts = absolute.split(sep);
  let i = 1;
  while (i < parts.length && !GLOB_CHARS.test(parts[i]!) && existsSync(parts.slice(0, i + 1).join(sep) || sep)) i++;
  if (i >= parts.length || GLOB_CHARS.test(parts[i]!)) return undefined;
  const parent = parts.slice(0, i).join(sep) || sep;
  let entries: string[];
  try {
    entries = readdirSync(parent).filter((e) => !e.startsWith('.'));
  } catch {
    return undefined;
  }
  const near = closest(parts[i]!, entries);
  if (!near) return undefined;
  const fixed = join(parent, near, ...parts.slice(i + 1));
  return isAbsolute(pattern) ? fixed : relative(baseDir, fixed) || '.';
}

/** Name of a file's event: its directory (the seed's `<event_name>/prd_merged_*.csv`) or its file name. */
export function eventOf(path: string, from: 'directory' | 'file'): string {
  if (from === 'directory') return basename(dirname(path));
  const name = basename(path);
  return name.slice(0, name.length - extname(name).length).replace(/\.csv$/i, '');
}

function sampleHash(file: DataFile): string {
  // Size and mtime catch nearly every edit; the first and last 64 KiB catch a same-size rewrite within the mtime
  // resolution, without reading gigabytes.
  const hash = createHash('sha256');
  const fd = openSync(file.path, 'r');
  try {
    const chunk = Buffer.alloc(Math.min(65_536, file.size));
    hash.update(chunk.subarray(0, readSync(fd, chunk, 0, chunk.length, 0)));
    if (file.size > chunk.length) hash.update(chunk.subarray(0, readSync(fd, chunk, 0, chunk.length, file.size - chunk.length)));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Fingerprint of the files: changes when a file is added, removed or edited. */
export function filesFingerprint(files: readonly DataFile[], extra: unknown): string {
  return hashOf({ files: files.map((f) => [f.path, f.size, Math.floor(f.mtimeMs), sampleHash(f)]), extra });
}

/** One line describing the files, for plans and reports. */
export function describeFiles(files: readonly DataFile[], baseDir: string): string {
  const bytes = files.reduce((s, f) => s + f.size, 0);
  const dirs = [...new Set(files.map((f) => dirname(f.path)))];
  let common = dirs[0] ?? baseDir;
  for (const d of dirs) while (!(`${d}/`).startsWith(`${common}/`)) common = dirname(common);
  const shown = relative(baseDir, common) || '.';
  const kinds = [...new Set(files.map((f) => f.format.toUpperCase()))].join('/');
  const size = bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(1)} GiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  return `${files.length} ${kinds} file${files.length > 1 ? 's' : ''} under ${shown.startsWith('..') ? common : shown} (${size})`;
}
