import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PrdError, RunDirectory, closest, settleKilledRun, type Manifest, type MetricTree } from '@prd/core';

/** One run as `prd runs` lists it. */
export interface RunEntry {
  runId: string;
  dir: string;
  name: string;
  status: Manifest['status'];
  startedAt: string;
  durationMs?: number;
  recipe: string;
  tags: Record<string, string>;
  error?: string;
}

/** A run with what `prd runs show` and `compare` need: its manifest, resolved recipe and metrics. */
export interface RunDetail extends RunEntry {
  manifest: Manifest;
  recipe: string;
  params: Record<string, string>;
  metrics: MetricRow[];
}

/** One metric value of a run, ML and NWP side by side (`test/fss/4`). */
export interface MetricRow {
  path: string;
  ml?: number | null;
  nwp?: number | null;
  value?: number | null;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function entryOf(dir: string, manifest: Manifest): RunEntry {
  const tags = (manifest as Manifest & { tags?: Record<string, string> }).tags ?? {};
  return {
    runId: manifest.runId,
    dir,
    name: manifest.name,
    status: manifest.status,
    startedAt: manifest.startedAt,
    durationMs: manifest.durationMs,
    recipe: manifest.recipe.file,
    tags,
    error: manifest.error,
  };
}

/** Every run directory under `runsDir` (newest first); directories without a readable manifest are left out. */
export function listRuns(runsDir: string): RunEntry[] {
  const root = resolve(runsDir);
  if (!existsSync(root)) return [];
  const entries: RunEntry[] = [];
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    if (!statSync(dir).isDirectory()) continue;
    let manifest = readJson<Manifest>(join(dir, 'manifest.json'));
    // A RUNNING run whose process is gone was killed: record it so, as prd sync does.
    if (manifest?.status === 'RUNNING') manifest = settleKilledRun(RunDirectory.open(root, dir), 'prd runs') ?? manifest;
    if (manifest?.runId) entries.push(entryOf(dir, manifest));
  }
  return entries.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId));
}

/** Filters of `prd runs`. */
export interface RunFilter {
  recipe?: string;
  status?: string;
  tags?: string[];
}

/** Runs that match every filter: recipe name or file (substring), status, and `key=value` tags. */
export function filterRuns(runs: RunEntry[], filter: RunFilter): RunEntry[] {
  const tags = (filter.tags ?? []).map((t) => {
    const at = t.indexOf('=');
    if (at < 1) throw new PrdError(`--tag "${t}" must be key=value, e.g. --tag prd.sweep=20261202-lr`);
    return [t.slice(0, at), t.slice(at + 1)] as const;
  });
  return runs.filter(
    (r) =>
      (!filter.recipe || r.name.includes(filter.recipe) || r.recipe.includes(filter.recipe)) &&
      (!filter.status || r.status === filter.status.toUpperCase()) &&
      tags.every(([k, v]) => r.tags[k] === v),
  );
}

/** One run by id, unique id prefix, or directory; a miss names the closest run id. */
export function findRun(runsDir: string, idOrPath: string): RunDetail {
  const direct = existsSync(join(idOrPath, 'manifest.json')) ? resolve(idOrPath) : undefined;
  const runs = listRuns(runsDir);
  const match = direct ? runs.find((r) => r.dir === direct) ?? entryFromDir(direct) : runs.find((r) => r.runId === idOrPath) ?? uniquePrefix(runs, idOrPath);
  if (!match) {
    const hint = closest(idOrPath, runs.map((r) => r.runId));
    throw new PrdError(`no run "${idOrPath}" in ${resolve(runsDir)}${hint ? `; did you mean ${hint}?` : ''} (list them with: prd runs)`);
  }
  return detailOf(match);
}

function entryFromDir(dir: string): RunEntry | undefined {
  const manifest = readJson<Manifest>(join(dir, 'manifest.json'));
  return manifest ? entryOf(dir, manifest) : undefined;
}

function uniquePrefix(runs: RunEntry[], prefix: string): RunEntry | undefined {
  const hits = runs.filter((r) => r.runId.startsWith(prefix));
  if (hits.length > 1) throw new PrdError(`"${prefix}" matches ${hits.length} runs (${hits.slice(0, 3).map((r) => r.runId).join(', ')}, ...); give more of the id`);
  return hits[0];
}

function detailOf(entry: RunEntry): RunDetail {
  const manifest = readJson<Manifest>(join(entry.dir, 'manifest.json')) as Manifest;
  const recipe = readJson<Record<string, unknown>>(join(entry.dir, 'recipe.resolved.json')) ?? {};
  const metrics = readJson<MetricTree>(join(entry.dir, 'metrics.json')) ?? {};
  return { ...entry, manifest, params: flattenParams(recipe), metrics: flattenMetrics(metrics) };
}

/** A resolved recipe as `path = value` pairs (dotted paths, arrays of scalars as JSON), the way MLflow logs params. */
export function flattenParams(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !(Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object'))) {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (key === '$schema') continue;
      flattenParams(child, prefix ? `${prefix}.${key}` : key, out);
    }
  } else if (prefix) {
    out[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** A metrics tree as rows; a `{ml, nwp}` leaf keeps both sides, a plain number is `value`. */
export function flattenMetrics(tree: unknown, prefix = '', out: MetricRow[] = []): MetricRow[] {
  if (tree === null || typeof tree !== 'object') {
    if (prefix && (typeof tree === 'number' || tree === null)) out.push({ path: prefix, value: tree });
    return out;
  }
  const node = tree as Record<string, unknown>;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((k) => k === 'ml' || k === 'nwp') && keys.every((k) => node[k] === null || typeof node[k] === 'number')) {
    out.push({ path: prefix, ml: node.ml as number | null | undefined, nwp: node.nwp as number | null | undefined });
    return out;
  }
  for (const key of sortKeys(keys)) flattenMetrics(node[key], prefix ? `${prefix}/${key}` : key, out);
  return out;
}

/** Keys in a reader's order: numeric keys by value (0.01, 0.5, 4, 10), then the rest as written. */
export function sortKeys(keys: string[]): string[] {
  const numeric = keys.filter((k) => k.trim() !== '' && Number.isFinite(Number(k))).sort((a, b) => Number(a) - Number(b));
  return [...numeric, ...keys.filter((k) => !numeric.includes(k))];
}

/**
 * The chain of runs a run was forked from (`prd run --from`), newest first: each link's id where the parent is a
 * local run directory, else the model it names (a tracker URI ends the chain). Stops at a cycle or after 20 links.
 */
export function lineageChain(runsDir: string, run: RunDetail): Array<{ runId?: string; source: string; resumed?: boolean }> {
  const chain: Array<{ runId?: string; source: string; resumed?: boolean }> = [];
  const seen = new Set([run.dir]);
  let manifest: Manifest | undefined = run.manifest;
  while (manifest?.lineage?.forkedFrom && chain.length < 20) {
    const source: string = manifest.lineage.forkedFrom;
    const dir: string | undefined = [source, join(source, '..'), join(runsDir, source)].map((d) => resolve(d)).find((d) => existsSync(join(d, 'manifest.json')));
    if (!dir || seen.has(dir)) {
      chain.push({ source });
      break;
    }
    seen.add(dir);
    manifest = readJson<Manifest>(join(dir, 'manifest.json'));
    chain.push({ runId: manifest?.runId, source, resumed: manifest?.lineage?.resumedFrom !== undefined });
  }
  return chain;
}
