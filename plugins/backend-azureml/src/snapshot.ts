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

/**
 * What the cluster runs: the resolved recipe with compute set to the node's local backend, and the job file of
 * `prd worker` (kind "run", run directory `runs`, which the command links to the job's output). Deterministic, so an
 * unchanged recipe makes the same code asset and nothing is uploaded again.
 */
export function snapshot(recipe: Record<string, unknown>, options: AzureMlOptions): Snapshot {
  const onNode = { ...recipe, compute: { use: 'local', with: { device: options.device } } };
  // Already merged and resolved: the parent file does not travel, nor does the editor schema.
  delete (onNode as Record<string, unknown>).$schema;
  delete (onNode as Record<string, unknown>).extends;
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

/** The Dockerfile of prd's Node 20 environment: the base image, Node 20, and prd with the recipe's plugin packages. */
export function dockerfile(baseImage: string, packages: Array<{ name: string; version: string }>): string {
  const install = packages
    .map((p) => `${p.name}@${p.version}`)
    .sort()
    .join(' ');
  return [
    `FROM ${baseImage}`,
    'RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs && rm -rf /var/lib/apt/lists/*',
    `RUN npm install -g ${install}`,
    '',
  ].join('\n');
}
