import type { Band, MetricTree } from '@prd/core';
import type { TopLevelSpec } from 'vega-lite';
import type { Declared } from '../declared.js';
import type { Plot } from './plot.js';

/** One ML / NWP pair of a metric at one key (threshold or band). */
export interface MetricRow {
  metric: string;
  key: string;
  ml: number | null;
  nwp: number | null;
}

const AGGREGATION_SUFFIXES: Array<[string, string]> = [
  ['_ensemble_mean_grid_mean', 'ensemble mean, mean over grid cells'],
  ['_control_grid_mean', 'control member, mean over grid cells'],
  ['_grid_mean', 'mean over grid cells'],
  ['_ensemble_mean', 'ML prediction ensemble average'],
  ['_control', 'ML prediction for ensemble control member only'],
];

/** Split a metric name into its score and aggregation: `fss_control` -> fss, "control member only". */
export function describeMetric(metric: string): { score: string; aggregation: string } {
  for (const [suffix, label] of AGGREGATION_SUFFIXES) {
    if (metric.endsWith(suffix)) return { score: metric.slice(0, -suffix.length), aggregation: label };
  }
  return { score: metric, aggregation: 'all ML predictions treated as deterministic' };
}

function isLeaf(node: unknown): node is { ml?: number | null; nwp?: number | null } {
  return typeof node === 'object' && node !== null && ('ml' in node || 'nwp' in node) && Object.values(node).every((v) => v === null || typeof v === 'number');
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const byKey = (a: string, b: string) => (Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? a.localeCompare(b) : Number(a) - Number(b));

/**
 * Every scalar of one split's metric tree, in metric order and (numeric) key order: ML / NWP pairs, and plain
 * numbers (as ML, no NWP) at any depth, their key the path below the metric (`importance/air_temperature`).
 */
export function metricRows(split: MetricTree): MetricRow[] {
  const rows: MetricRow[] = [];
  const walk = (metric: string, path: string[], node: unknown) => {
    if (node === null || typeof node === 'number') rows.push({ metric, key: path.join('/'), ml: num(node), nwp: null });
    else if (isLeaf(node)) rows.push({ metric, key: path.join('/'), ml: num(node.ml), nwp: num(node.nwp) });
    else if (typeof node === 'object') for (const key of Object.keys(node).sort(byKey)) walk(metric, [...path, key], (node as MetricTree)[key]);
  };
  for (const [metric, node] of Object.entries(split)) walk(metric, [], node);
  return rows;
}

/** Axis label of a key: "> 0.5 mm/h" for thresholds, the band range for band keys (as the metric declares); the tables use the same. */
export function keyLabel(declared: Declared, metric: string, key: string, bands: Band[], unit: string): string {
  return declared.keyLabel(metric, key, unit, bands);
}

/** Keys of a metric where neither ML nor NWP has a value (no truth above `> 220 mm/h`): shown as a note, not as empty bars or dashes. */
export function emptyKeys(rows: readonly MetricRow[]): Set<string> {
  const keys = new Set(rows.map((r) => r.key));
  return new Set([...keys].filter((k) => k !== '' && rows.filter((r) => r.key === k).every((r) => r.ml === null && r.nwp === null)));
}

/**
 * Value-axis title of a score's bars. Frequency bias is drawn as the ratio itself (its maps use log10), with the
 * dashed unbiased line at 1; the seed folded the bars as fb - 1, 1 / (fb - 1).
 */
export function axisTitle(declared: Declared, score: string): string {
  const metric = declared.metric(score);
  return metric?.ratio ? `${declared.title(score)} (forecast / radar, ${metric.ideal ?? 1} = unbiased)` : declared.title(score);
}

/** ML-vs-NWP bar charts per threshold or band, one per metric of a split (the seed's metric_barchart). */
export function metricBars(split: string, tree: MetricTree, bands: Band[], unit: string, declared: Declared): Plot[] {
  const rows = metricRows(tree);
  const byMetric = new Map<string, MetricRow[]>();
  for (const row of rows) byMetric.set(row.metric, [...(byMetric.get(row.metric) ?? []), row]);
  const plots: Plot[] = [];
  const singles = rows.filter((r) => r.key === '');
  for (const [metric, all] of byMetric) {
    if (all.every((r) => r.key === '')) continue;
    const empty = emptyKeys(all);
    const list = all.filter((r) => !empty.has(r.key));
    const { score, aggregation } = describeMetric(metric);
    // Rain / no-rain counts and ratios do not share an axis; plots/binary.ts draws them.
    if (score === 'binary') continue;
    const values = list.flatMap((r) => {
      const label = keyLabel(declared, metric, r.key, bands, unit);
      return [
        { key: label, source: 'ML', value: r.ml },
        ...(r.nwp === null && list.every((x) => x.nwp === null) ? [] : [{ key: label, source: 'NWP', value: r.nwp }]),
      ];
    });
    const order = [...new Set(values.map((v) => v.key))];
    plots.push({
      id: `bars_${split}_${metric}`,
      section: 'metrics',
      group: `${split} split: charts`,
      title: `${declared.title(score)} - ${aggregation}`,
      spec: barSpec(`${declared.title(score)} - ${aggregation}`, `${split} split`, values, order, xTitleOf(declared, metric), axisTitle(declared, score), declared.metric(metric)?.direction === 'ideal' ? declared.metric(metric)?.ideal : undefined),
      embed: 'svg',
    });
  }
  if (singles.length > 0) {
    const values = singles.flatMap((r) => {
      const { score, aggregation } = describeMetric(r.metric);
      const label = `${declared.title(score)} (${aggregation.replace('ML prediction ', '').replace('all ML predictions treated as deterministic', 'all members')})`;
      return [{ key: label, source: 'ML', value: r.ml }, ...(r.nwp === null ? [] : [{ key: label, source: 'NWP', value: r.nwp }])];
    });
    plots.push({ id: `bars_${split}_scores`, section: 'metrics', group: `${split} split: charts`, title: 'Scores without thresholds', spec: barSpec('Scores without thresholds', `${split} split`, values, [...new Set(values.map((v) => v.key))], '', 'Score'), embed: 'svg' });
  }
  return plots;
}

function xTitleOf(declared: Declared, metric: string): string {
  const keys = declared.metric(metric)?.keys;
  return keys === 'thresholds' ? 'Exceedance threshold' : keys === 'bands' ? 'Intensity band' : '';
}

function barSpec(title: string, subtitle: string, values: Array<{ key: string; source: string; value: number | null }>, order: string[], xTitle: string, yTitle: string, rule?: number): TopLevelSpec {
  const layers: unknown[] = [
    { mark: { type: 'bar' }, encoding: { y: { field: 'value', type: 'quantitative', title: yTitle }, color: { field: 'source', type: 'nominal', title: null, scale: { domain: ['ML', 'NWP'], range: ['#1f77b4', '#ff7f0e'] } } } },
    // Each bar carries its value, as the seed's charts did (rounded to 2 decimals).
    { mark: { type: 'text', dy: -6, fontSize: 9 }, encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'value', type: 'quantitative', format: '.2f' } } },
  ];
  // A dashed line across the whole plot (the seed's "unbiased forecast" line for frequency bias).
  if (rule !== undefined) layers.push({ mark: { type: 'rule', strokeDash: [5, 3], color: 'green' }, encoding: { x: { value: 0 }, x2: { value: { expr: 'width' } }, xOffset: { value: 0 }, y: { datum: rule } } });
  return {
    title: { text: title, subtitle },
    width: { step: 40 },
    height: 220,
    data: { values: values.filter((v) => v.value !== null) },
    encoding: { x: { field: 'key', type: 'nominal', sort: order, title: xTitle, axis: { labelAngle: -35, labelLimit: 0 } }, xOffset: { field: 'source', type: 'nominal', sort: ['ML', 'NWP'] } },
    layer: layers,
  } as TopLevelSpec;
}
