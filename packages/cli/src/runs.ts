import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PrdError, RunDirectory, closest, settleKilledRun, type Manifest, type MetricTree } from '@prd/core';

/** One run as `prd runs` shows it. */
export interface RunSummary {
  runId: string;
  dir: string;
  name: string;
  recipe: string;
  status: string;
  startedAt: string;
  durationMs?: number;
  tags: Record<string, string>;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Every run directory under `runsDir` with a manifest, newest first; a RUNNING run whose process is gone is settled as KILLED. */
export function listRuns(runsDir: string): RunSummary[] {
  const root = resolve(runsDir);
  if (!existsSync(root)) return [];
  const runs: RunSummary[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || !existsSync(join(root, entry.name, 'manifest.json'))) continue;
    const run = RunDirectory.open(root, entry.name);
    const manifest = settleKilledRun(run, 'prd runs') ?? readJson<Manifest>(join(run.dir, 'manifest.json'));
    if (!manifest) continue;
    runs.push({ runId: manifest.runId ?? entry.name, dir: run.dir, name: manifest.name, recipe: manifest.recipe?.file ?? '', status: manifest.status, startedAt: manifest.startedAt, durationMs: manifest.durationMs, tags: manifest.tags ?? {} });
  }
  return runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/** A run by id (or a unique prefix of one) or directory, with its manifest, resolved recipe and metrics. */
export function openRun(runsDir: string, idOrPath: string): { summary: RunSummary; manifest: Manifest; recipe: Record<string, unknown>; metrics: Record<string, MetricTree> } {
  const runs = listRuns(runsDir);
  const wanted = resolve(idOrPath);
  const matches = runs.filter((r) => r.runId === idOrPath || r.dir === wanted);
  const found = matches[0] ?? (runs.filter((r) => r.runId.startsWith(idOrPath)).length === 1 ? runs.find((r) => r.runId.startsWith(idOrPath)) : undefined);
  if (!found) {
    const suggestion = closest(idOrPath, runs.map((r) => r.runId));
    throw new PrdError(`no run "${idOrPath}" in ${runsDir}${suggestion ? `; did you mean ${suggestion}?` : runs.length ? '' : ' (it holds no runs)'}; list them with prd runs`);
  }
  return {
    summary: found,
    manifest: readJson<Manifest>(join(found.dir, 'manifest.json'))!,
    recipe: readJson<Record<string, unknown>>(join(found.dir, 'recipe.resolved.json')) ?? {},
    metrics: readJson<Record<string, MetricTree>>(join(found.dir, 'metrics.json')) ?? {},
  };
}

/** Leaves of a JSON value by JSON pointer (`/train/epochs` -> 3). */
export function flatten(value: unknown, pointer = '', into = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, `${pointer}/${key}`, into);
  } else {
    into.set(pointer || '/', value);
  }
  return into;
}

/** A duration as the terminal shows it: 56.3s, 4m 12s. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
}
