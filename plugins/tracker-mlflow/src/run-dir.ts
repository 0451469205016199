import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { PrdError, secrets, type Manifest, type MetricTree, type RunStatus } from '@prd/core';
import { recipeParams, flattenMetrics } from './flatten.js';
import { newLedger, type Ledger } from './ledger.js';
import { LIMITS, limitValue, metricValue, mlflowKey, type Metric } from './limits.js';

/** What a tracker knows of a run: from `runStarted`, or read back from a run directory by `sync`. */
export interface RunFacts {
  runId: string;
  name: string;
  recipe: Record<string, unknown>;
  tags: Record<string, string>;
  startTime: number;
  status?: RunStatus | 'RUNNING';
  endTime?: number;
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** Read a finished (or interrupted) run directory's manifest and recipe. */
export function readRunFacts(runDir: string): RunFacts {
  const manifest = readJson<Manifest>(join(runDir, 'manifest.json'));
  if (!manifest) throw new PrdError(`${runDir} is not a prd run directory (no manifest.json)`);
  const recipe = readJson<Record<string, unknown>>(join(runDir, 'recipe.resolved.json')) ?? {};
  // The same tags the runner hands to trackers (see runTags in @prd/core's runner).
  const tags: Record<string, string> = { 'prd.run_id': manifest.runId, 'prd.recipe': manifest.recipe.file };
  try {
    tags['mlflow.user'] = userInfo().username;
  } catch {
    // no user name in some containers
  }
  if (manifest.git?.commit) tags['mlflow.source.git.commit'] = manifest.git.commit;
  if (manifest.git?.branch) tags['mlflow.source.git.branch'] = manifest.git.branch;
  return {
    runId: manifest.runId,
    name: manifest.name,
    recipe,
    tags,
    startTime: Date.parse(manifest.startedAt),
    status: manifest.status,
    endTime: manifest.endedAt ? Date.parse(manifest.endedAt) : undefined,
  };
}

/** The tags an MLflow run gets: the run's own, plus its prd id and MLflow's source tags; keys and values within limits. */
export function runTags(facts: RunFacts): Record<string, string> {
  const all: Record<string, string> = {
    ...facts.tags,
    'prd.run_id': facts.runId,
    'mlflow.source.name': facts.tags['prd.recipe'] ?? facts.name,
    'mlflow.source.type': 'LOCAL',
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) out[mlflowKey(k)] = limitValue(secrets.redact(v), LIMITS.tagValueLength);
  return out;
}

/** A ledger for a run that has none yet; with `fromHistory`, epoch metrics come from history.csv (sync of an untracked run). */
export function ledgerFromRunDir(runDir: string, target: Ledger['target'], facts: RunFacts, fromHistory: boolean): Ledger {
  const params = Object.fromEntries(Object.entries(recipeParams(facts.recipe)).map(([k, v]) => [k, secrets.redact(v)]));
  const ledger = newLedger({ target, prdRunId: facts.runId, runName: facts.name, startTime: facts.startTime, params, tags: runTags(facts) });
  if (fromHistory) ledger.metrics.pending.push(...historyPoints(runDir));
  return ledger;
}

/** Per-epoch points from history.csv (columns: epoch, metrics…, learning_rate, duration_ms, timestamp). */
export function historyPoints(runDir: string): Metric[] {
  const file = join(runDir, 'history.csv');
  if (!existsSync(file)) return [];
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const columns = header.split(',');
  const epochAt = columns.indexOf('epoch');
  const timeAt = columns.indexOf('timestamp');
  const points: Metric[] = [];
  for (const row of rows) {
    const cells = row.split(',');
    columns.forEach((column, i) => {
      if (i === epochAt || i === timeAt || column === 'duration_ms' || cells[i] === '' || cells[i] === undefined) return;
      points.push({ key: mlflowKey(column), value: metricValue(Number(cells[i])), timestamp: Number(cells[timeAt]), step: Number(cells[epochAt]) });
    });
  }
  return points;
}

/** The run's final scores (metrics.json) as points at step 0, stamped with the run's end. */
export function finalMetricPoints(runDir: string, endTime: number): Metric[] {
  const tree = readJson<MetricTree>(join(runDir, 'metrics.json'));
  if (!tree) return [];
  return flattenMetrics(tree).map(({ key, value }) => ({ key, value: metricValue(value), timestamp: endTime, step: 0 }));
}
