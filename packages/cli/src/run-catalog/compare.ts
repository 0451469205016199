import type { MetricRow, RunDetail } from './catalog.js';

/** What `prd runs compare` shows: the params that differ, and every metric of every run side by side. */
export interface RunComparison {
  runs: string[];
  params: Array<{ path: string; values: Array<string | undefined> }>;
  metrics: Array<{ path: string; values: Array<Pick<MetricRow, 'ml' | 'nwp' | 'value'> | undefined> }>;
}

/** Compare runs: params whose values are not all equal (run order kept), metrics by path in first-seen order. */
export function compareRuns(runs: RunDetail[]): RunComparison {
  const paramPaths = [...new Set(runs.flatMap((r) => Object.keys(r.params)))];
  const params = paramPaths
    .map((path) => ({ path, values: runs.map((r) => r.params[path]) }))
    .filter((row) => new Set(row.values.map((v) => v ?? '\u0000missing')).size > 1);
  const metricPaths = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.path)))];
  const metrics = metricPaths.map((path) => ({
    path,
    values: runs.map((r) => {
      const row = r.metrics.find((m) => m.path === path);
      return row ? { ml: row.ml, nwp: row.nwp, value: row.value } : undefined;
    }),
  }));
  return { runs: runs.map((r) => r.runId), params, metrics };
}
