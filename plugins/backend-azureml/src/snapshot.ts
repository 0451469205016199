import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, JOB_FORMAT, type RunJob } from '@prd/core';
import type { AzureMlOptions } from './options.js';

/** The files of a code asset (name -> content) and their content hash. */
export interface Snapshot {
  files: Record<string, string>;
  hash: string;
}

/** sha256 of named contents, independent of their order. */
export function contentHash(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(files).sort()) h.update(`${name}\0${files[name]}\0`);
  return h.digest('hex');
}

/** The recipe as the node runs it: compute is the node's local backend; already merged, so no parent or schema. */
export function nodeRecipe(recipe: Record<string, unknown>, options: AzureMlOptions): Record<string, unknown> {
  const onNode: Record<string, unknown> = { ...recipe, compute: { use: 'local', with: { device: options.device } } };
  delete onNode.$schema;
  delete onNode.extends;
  return onNode;
}

/**
 * What the cluster runs: the resolved recipe with compute set to the node's local backend, and the job file of
 * `prd worker` (kind "run", run directory `runs`, which the command links to the job's output). Deterministic, so an
 * unchanged recipe makes the same code asset and nothing is uploaded again.
 */
export function snapshot(recipe: Record<string, unknown>, options: AzureMlOptions): Snapshot {
  const onNode = nodeRecipe(recipe, options);
  const job: RunJob = { prdJob: JOB_FORMAT, kind: 'run', recipe: 'recipe.json', runsDir: 'runs', cacheDir: '.prd/cache' };
  const files = { 'recipe.json': `${JSON.stringify(JSON.parse(canonicalJson(onNode)), null, 2)}\n`, 'job.json': `${JSON.stringify(job, null, 2)}\n` };
  return { files, hash: contentHash(files) };
}

/** Write a snapshot's files into a folder (for the upload). */
export function writeSnapshot(snap: Snapshot, dir: string): Array<{ name: string; path: string }> {
  mkdirSync(dir, { recursive: true });
  return Object.entries(snap.files).map(([name, text]) => {
    writeFileSync(join(dir, name), text);
    return { name, path: join(dir, name) };
  });
}
