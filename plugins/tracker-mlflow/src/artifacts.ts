import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { MlflowClient } from './client.js';
import { TRACKING_DIR } from './ledger.js';

/** A file of a run directory, as it would be uploaded. */
export interface LocalFile {
  /** Path relative to the run directory, with `/` separators. */
  path: string;
  size: number;
  mtimeMs: number;
}

/** Characters MLflow's artifact proxy refuses in a path ("Invalid path"). */
const UNSAFE_PATH = /#/;

/**
 * Every file of a run directory to upload, sorted: all but the trackers' own state, half-written temporary files
 * and what the user excluded (paths or folders relative to the run directory).
 */
export function runFiles(runDir: string, exclude: string[] = []): { files: LocalFile[]; unsafe: string[] } {
  const skip = [TRACKING_DIR, ...exclude].map((p) => p.replace(/^\.?\/+|\/+$/g, ''));
  const files: LocalFile[] = [];
  const unsafe: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(runDir, full).split(sep).join('/');
      if (skip.some((s) => rel === s || rel.startsWith(`${s}/`))) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && !/\.tmp-\d+$/.test(entry.name)) {
        if (UNSAFE_PATH.test(rel)) {
          unsafe.push(rel);
          continue;
        }
        const stat = statSync(full);
        files.push({ path: rel, size: stat.size, mtimeMs: Math.floor(stat.mtimeMs) });
      }
    }
  };
  walk(runDir);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, unsafe };
}

/** Run `work` over items with at most `limit` in flight; stops starting new items after the first failure. */
export async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}

/**
 * Download every file under `artifactDir` (a path relative to the run's artifact root, such as `model`) of an
 * MLflow run into `destDir`, keeping the layout below `artifactDir`. Returns the files written.
 */
export async function downloadRunDir(client: MlflowClient, runId: string, proxyRootPath: string, artifactDir: string, destDir: string): Promise<string[]> {
  const prefix = artifactDir.replace(/^\/+|\/+$/g, '');
  const files = await client.listRunArtifacts(runId, prefix);
  const root = resolve(destDir);
  const written: string[] = [];
  await eachLimited(files, 4, async (file) => {
    const rel = prefix ? file.path.slice(prefix.length + 1) : file.path;
    const target = resolve(root, rel);
    // A hostile listing must not write outside destDir.
    if (!target.startsWith(root + sep)) throw new Error(`refusing artifact path outside the destination: ${file.path}`);
    const bytes = await client.getArtifact(`${proxyRootPath}/${file.path}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    written.push(rel);
  });
  return written.sort();
}
