import type { MetricTree } from '@prd/core';
import type { Objective } from './schema.js';

/** Whether an objective is read per epoch (a training metric name) or from the run's end metrics (a path). */
export function isEpochObjective(objective: Objective): boolean {
  return !objective.metric.includes('/');
}

/** The value at a `/`-joined path of a metric tree (`test/fss/4.0/ml`), or undefined. */
export function metricAt(tree: MetricTree | undefined, path: string): number | undefined {
  let node: MetricTree | number | null | undefined = tree;
  for (const key of path.split('/')) {
    if (node === null || node === undefined || typeof node === 'number') return undefined;
    node = node[key];
  }
  return typeof node === 'number' ? node : undefined;
}

/** Every leaf path of a metric tree, for suggestions. */
export function metricPaths(tree: MetricTree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (v !== null && typeof v === 'object' ? metricPaths(v, `${prefix}${k}/`) : [`${prefix}${k}`]));
}

/** Whether `a` is better than `b` for the goal. */
export function isBetter(goal: Objective['goal'], a: number, b: number): boolean {
  return goal === 'minimize' ? a < b : a > b;
}

/** The objective as a loss (lower is better), for samplers. */
export function asLoss(goal: Objective['goal'], value: number): number {
  return goal === 'minimize' ? value : -value;
}
