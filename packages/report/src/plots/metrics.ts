import type { Band, MetricTree } from '@prd/core';
import type { TopLevelSpec } from 'vega-lite';
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

const SCORE_TITLES: Record<string, string> = {
  fss: 'FSS',
  frequency_bias: 'Frequency bias',
  kl_divergence: 'KL divergence',
  mae: 'MAE',
  r2: 'R²',
};

/** Split a metric name into its score and aggregation: `fss_control` -> fss, "control member only". */
export function describeMetric(metric: string): { score: string; aggregation: string } {
  for (const [suffix, label] of AGGREGATION_SUFFIXES) {
    if (metric.endsWith(suffix)) return { score: metric.slice(0, -suffix.length), aggregation: label };
  }
  return { score: metric, aggregation: 'all ML predictions treated as deterministic' };
}

/** Human title of a score. */
export function scoreTitle(score: string): string {
  return SCORE_TITLES[score] ?? score.replace(/_/g, ' ');
}

function isLeaf(node: unknown): node is { ml?: number | null; nwp?: number | null } {
  return typeof node === 'object' && node !== null && ('ml' in node || 'nwp' in node) && Object.values(node).every((v) => v === null || typeof v === 'number');
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The ML / NWP pairs of one split, in metric order and (numeric) key order. Other shapes are left out. */
export function metricRows(split: MetricTree): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const [metric, node] of Object.entries(split)) {
    if (isLeaf(node)) {
      rows.push({ metric, key: '', ml: num(node.ml), nwp: num(node.nwp) });
    } else if (node && typeof node === 'object') {
      const keys = Object.keys(node).sort((a, b) => (Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? a.localeCompare(b) : Number(a) - Number(b)));
      for (const key of keys) {
        const leaf = (node as MetricTree)[key];
        if (isLeaf(leaf)) rows.push({ metric, key, ml: num(leaf.ml), nwp: num(leaf.nwp) });
      }
    }
  }
  return rows;
}

/** Axis label of a key: "> 0.5" for FSS thresholds, the band range for band-keyed scores. */
export function keyLabel(score: string, key: string, bands: Band[], unit: string): string {
  if (score === 'fss') return `> ${key} ${unit}`;
  const band = bands.find((b) => b.key === key);
  return band ? `${band.lower}-${band.upper} ${unit}` : key;
}

/**
 * Value-axis title of a score's bars. Frequency bias is drawn as the ratio itself (its maps use log10), with the
 * dashed unbiased line at 1; the seed folded the bars as fb - 1, 1 / (fb - 1).
 */
export function axisTitle(score: string): string {
  return score === 'frequency_bias' ? 'Frequency bias (forecast / radar, 1 = unbiased)' : scoreTitle(score);
}

/** ML-vs-NWP bar charts per threshold or band, one per metric of a split (the seed's metric_barchart). */
export function metricBars(split: string, tree: MetricTree, bands: Band[], unit: string): Plot[] {
  const rows = metricRows(tree);
  const byMetric = new Map<string, MetricRow[]>();
  for (const row of rows) byMetric.set(row.metric, [...(byMetric.get(row.metric) ?? []), row]);
  const plots: Plot[] = [];
  const singles = rows.filter((r) => r.key === '');
  for (const [metric, list] of byMetric) {
    if (list.every((r) => r.key === '')) continue;
    const { score, aggregation } = describeMetric(metric);
    // Rain / no-rain counts and ratios do not share an axis; plots/binary.ts draws them.
    if (score === 'binary') continue;
    const values = list.flatMap((r) => {
      const label = keyLabel(score, r.key, bands, unit);
      return [
        { key: label, source: 'ML', value: r.ml },
        ...(r.nwp === null && list.every((x) => x.nwp === null) ? [] : [{ key: label, source: 'NWP', value: r.nwp }]),
      ];
    });
    const order = [...new Set(values.map((v) => v.key))];
    plots.push({
      id: `bars_${split}_${metric}`,
      section: 'metrics',
      group: split,
      title: `${scoreTitle(score)} - ${aggregation}`,
      spec: barSpec(`${scoreTitle(score)} - ${aggregation}`, `${split} split`, values, order, score === 'fss' ? 'Exceedance threshold' : 'Precip intensity band', axisTitle(score), score === 'frequency_bias' ? 1 : undefined),
      embed: 'svg',
    });
  }
  if (singles.length > 0) {
    const values = singles.flatMap((r) => {
      const { score, aggregation } = describeMetric(r.metric);
      const label = `${scoreTitle(score)} (${aggregation.replace('ML prediction ', '').replace('all ML predictions treated as deterministic', 'all members')})`;
      return [{ key: label, source: 'ML', value: r.ml }, ...(r.nwp === null ? [] : [{ key: label, source: 'NWP', value: r.nwp }])];
    });
    plots.push({ id: `bars_${split}_scores`, section: 'metrics', group: split, title: 'Scores without thresholds', spec: barSpec('Scores without thresholds', `${split} split`, values, [...new Set(values.map((v) => v.key))], '', 'Score'), embed: 'svg' });
  }
  return plots;
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
    encoding: { x: { field: 'key', type: 'nominal', sort: order, title: xTitle, axis: { labelAngle: -35 } }, xOffset: { field: 'source', type: 'nominal', sort: ['ML', 'NWP'] } },
    layer: layers,
  } as TopLevelSpec;
}
