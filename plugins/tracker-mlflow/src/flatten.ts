import type { MetricTree } from '@prd/core';
import { LIMITS, limitValue, mlflowKey } from './limits.js';

/** Recipe keys that say nothing about the experiment. */
const SKIPPED_RECIPE_KEYS = new Set(['$schema']);

/**
 * The resolved recipe as MLflow params: nested objects flatten to dotted keys (`train.optimizer.adam.learningRate`),
 * arrays of objects to indexed keys (`data.transforms.0.use`), and arrays of plain values stay one JSON param
 * (`data.features.profile = ["rh","t"]`). Values are cut to MLflow's length limit, keys made valid and unique.
 */
export function recipeParams(recipe: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (path: string[], value: string) => {
    let key = mlflowKey(path.join('.'));
    for (let i = 2; key in out; i++) key = mlflowKey(`${path.join('.')}_${i}`);
    out[key] = limitValue(value, LIMITS.paramValueLength);
  };
  const visit = (value: unknown, path: string[]): void => {
    if (value === undefined) return;
    if (Array.isArray(value)) {
      if (value.length > 0 && value.every((v) => v !== null && typeof v === 'object')) value.forEach((v, i) => visit(v, [...path, String(i)]));
      else put(path, JSON.stringify(value));
      return;
    }
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value).filter(([k]) => !(path.length === 0 && SKIPPED_RECIPE_KEYS.has(k)));
      if (entries.length === 0 && path.length > 0) put(path, '{}');
      for (const [k, v] of entries) visit(v, [...path, k]);
      return;
    }
    put(path, value === null ? 'null' : String(value));
  };
  visit(recipe, []);
  return out;
}

/**
 * A metric tree as flat MLflow metric keys joined with `/` (`test/fss/0.5/ml`), which the MLflow UI groups by
 * prefix. Null leaves (undefined scores such as 0/0) are kept as null so they can be sent as NaN.
 */
export function flattenMetrics(tree: MetricTree, prefix: string[] = []): Array<{ key: string; value: number | null }> {
  const out: Array<{ key: string; value: number | null }> = [];
  const seen = new Set<string>();
  const visit = (node: MetricTree | number | null, path: string[]) => {
    if (node === null || typeof node === 'number') {
      let key = mlflowKey(path.join('/'));
      for (let i = 2; seen.has(key); i++) key = mlflowKey(`${path.join('/')}_${i}`);
      seen.add(key);
      out.push({ key, value: node });
      return;
    }
    for (const [k, v] of Object.entries(node)) visit(v, [...path, k.replace(/\//g, '_')]);
  };
  visit(tree, prefix);
  return out;
}
