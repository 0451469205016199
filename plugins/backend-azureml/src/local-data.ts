import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { globRegex, hasBlobs, uploadFiles, type ArmClient, type Datastore } from '@prd/azure';
import { PrdError, type RunEvents } from '@prd/core';

const GLOB = /[*?[{]/;
const AZURE = /^azureml:|^https?:\/\//;

/** The local files a recipe's csv source names, relative to their common folder, and a content hash of them all. */
export interface LocalData {
  /** Folder the files are uploaded from (becomes the job's `data` input). */
  root: string;
  files: Array<{ name: string; path: string }>;
  /** The source's `paths`, rewritten relative to the input folder as the node sees it (`data/...`). */
  paths: string[];
  hash: string;
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
}

/**
 * The local data of a recipe (`data.source.with.paths` of a csv source), or undefined when it has none (synthetic
 * data, or paths already in Azure). Content-addressed: the same files give the same hash, so they are uploaded once.
 */
export function localData(recipe: Record<string, unknown>, baseDir: string): LocalData | undefined {
  const source = (recipe.data as { source?: { use?: string; with?: { paths?: string[] } } } | undefined)?.source;
  const patterns = source?.use === 'csv' ? (source.with?.paths ?? ['**/prd_merged_*.csv']) : [];
  const local = patterns.filter((p) => !AZURE.test(p));
  if (local.length === 0) return undefined;
  const root = resolve(baseDir);
  const found = new Set<string>();
  for (const pattern of local) {
    const absolute = isAbsolute(pattern) ? pattern : resolve(root, pattern);
    if (!absolute.startsWith(root + sep)) throw new PrdError(`data path ${pattern} is outside the recipe's folder ${root}; a cluster run uploads data from beside the recipe`);
    const parts = relative(root, absolute).split(sep);
    const first = parts.findIndex((s) => GLOB.test(s));
    const fixed = first < 0 ? absolute : join(root, ...parts.slice(0, first));
    if (!existsSync(fixed)) continue;
    const candidates: string[] = [];
    if (statSync(fixed).isDirectory()) walk(fixed, candidates);
    else candidates.push(fixed);
    const match = first < 0 ? undefined : globRegex(parts.join('/'));
    for (const file of candidates) {
      const rel = relative(root, file).split(sep).join('/');
      if (!/\.(csv|parquet)$/i.test(rel)) continue;
      if (match ? match.test(rel) : true) found.add(file);
    }
  }
  if (found.size === 0) return undefined;
  const files = [...found].sort().map((path) => ({ name: relative(root, path).split(sep).join('/'), path }));
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.name}\0${createHash('sha256').update(readFileSync(f.path)).digest('hex')}\0`);
  const paths = patterns.map((p) => (AZURE.test(p) ? p : `data/${relative(root, isAbsolute(p) ? p : resolve(root, p)).split(sep).join('/')}`));
  return { root, files, paths, hash: h.digest('hex') };
}

/** Data asset name and version of local data. */
export function dataAssetName(data: LocalData): { name: string; version: string } {
  return { name: `prd-data-${data.hash.slice(0, 24)}`, version: '1' };
}

/** The datastore path the data is uploaded to. */
export function dataPrefix(data: LocalData): string {
  return `LocalUpload/${data.hash.slice(0, 32)}/data`;
}

/** Upload local data once as a uri_folder data asset; an unchanged dataset is found and not sent again. */
export async function ensureData(arm: ArmClient, store: Datastore, data: LocalData, events: RunEvents): Promise<{ uploaded: number }> {
  const { name, version } = dataAssetName(data);
  const path = `data/${name}/versions/${version}`;
  if (await arm.find(path, `read data asset ${name}`)) return { uploaded: 0 };
  const prefix = dataPrefix(data);
  const uploaded = (await hasBlobs(store.container, prefix)) ? 0 : await uploadFiles(store.container, prefix, data.files);
  events.log(`AzureML: uploaded the run's data as data asset ${name} (${data.files.length} files, ${uploaded} bytes)`);
  try {
    await arm.call('PUT', path, { json: { properties: { dataType: 'uri_folder', dataUri: store.uri(`${prefix}/`), description: 'prd: local data of a cluster run', tags: {}, properties: {}, isAnonymous: false } }, what: `create data asset ${name}` });
  } catch (error) {
    if ((error as { status?: number }).status !== 409) throw error;
  }
  return { uploaded };
}
