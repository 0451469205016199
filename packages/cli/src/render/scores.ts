import type { MetricTree } from '@prd/core';
import { metric } from './format.js';

type Pair = { ml?: number | null; nwp?: number | null };

function isPair(node: unknown): node is Pair {
  if (node === null || typeof node !== 'object') return false;
  const keys = Object.keys(node);
  return keys.length > 0 && keys.every((k) => k === 'ml' || k === 'nwp');
}

/**
 * The closing lines of a run: the test split's headline scores, ML against NWP. Scalar scores come first, then
 * each banded score (FSS per threshold) in threshold order; at most `limit` lines.
 */
export function keyScores(metrics: MetricTree, limit = 10): string[] {
  const split = 'test' in metrics ? 'test' : Object.keys(metrics).at(-1);
  const tree = split ? (metrics[split] as Record<string, unknown> | undefined) : undefined;
  if (!tree || typeof tree !== 'object') return [];
  const rows: Array<[string, Pair]> = [];
  for (const [name, node] of Object.entries(tree)) if (isPair(node)) rows.push([name, node]);
  for (const [name, node] of Object.entries(tree)) {
    if (isPair(node) || node === null || typeof node !== 'object') continue;
    const bands = Object.keys(node).filter((k) => Number.isFinite(Number(k)) && isPair((node as Record<string, unknown>)[k]));
    // One banded family (the first, e.g. fss) is enough for a summary; the rest is in the report.
    if (bands.length > 0 && !rows.some(([n]) => n.includes(' > '))) {
      for (const band of bands.sort((a, b) => Number(a) - Number(b))) {
        const pair = (node as Record<string, Pair>)[band]!;
        // A threshold no row reaches has no score on either side: nothing to say about it.
        if ((pair.ml ?? null) === null && (pair.nwp ?? null) === null) continue;
        rows.push([`${name} > ${band}`, pair]);
      }
    }
  }
  if (rows.length === 0) return [];
  const width = Math.max(...rows.map(([n]) => n.length));
  const lines = rows.slice(0, limit).map(([name, p]) => `  ${name.padEnd(width)}  ML ${metric(p.ml)}${p.nwp !== undefined ? `   NWP ${metric(p.nwp)}` : ''}`);
  return [`${split} scores:`, ...lines];
}
