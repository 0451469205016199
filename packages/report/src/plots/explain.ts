import type { Declared } from '../declared.js';
import type { TopLevelSpec } from 'vega-lite';
import type { ExplainerOutput } from '../run-data.js';
import { multiPassPlots, perHeightPlot, type PassesResult } from './importance-passes.js';
import type { Plot } from './plot.js';

/** `permutation-importance/importance.json` as the explainers write it. */
export interface ImportanceResult {
  metric: string;
  baseline: number;
  repeats: number;
  rows: number;
  features: Array<{ name: string; kind: string; mean: number; std: number; values: number[] }>;
}

/** `saliency/saliency.json` as the explainers write it. */
export interface SaliencyResult {
  heights: number[];
  layer: string;
  /** What was differentiated: the pre-softmax scores or the predicted fractions. */
  output?: 'logits' | 'probabilities';
  /** Test rows the input gradients average over. */
  gradientRows?: number;
  profileFeatures: string[];
  samples: Array<{ row: number; reason: string; prediction: number[]; inputs?: number[][]; gradCam: Array<{ band: string; values: number[] }> }>;
  gradients?: Array<{ band: string; values: number[][] }>;
}

/** `filters/filters.json` as the explainers write it. */
export interface FiltersResult {
  layer: string;
  kernelSize: number;
  features: string[];
  /** filters[f][position][feature], min-max normalised over all weights to [0, 1]. */
  filters: number[][][];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Importance bars with spread (the seed's box plot): mean change of the loss per permuted feature, ± 1 std. */
export function importancePlot(result: ImportanceResult): Plot {
  const order = [...result.features].sort((a, b) => b.mean - a.mean).map((f) => f.name);
  const rows = result.features.map((f) => ({ feature: f.name, kind: f.kind, mean: f.mean, lo: f.mean - f.std, hi: f.mean + f.std }));
  const points = result.features.flatMap((f) => f.values.map((value) => ({ feature: f.name, value })));
  const y = { field: 'feature', type: 'nominal', sort: order, title: 'Feature', axis: { labelLimit: 0 } };
  const spec = {
    title: { text: 'Permutation feature importance', subtitle: `change in ${result.metric.replace(/_/g, ' ')} when a feature is shuffled across ${result.rows} rows; ${result.repeats} repeats, bar = mean, line = ±1 std` },
    width: 420,
    height: { step: 22 },
    layer: [
      { data: { values: rows }, mark: { type: 'bar', opacity: 0.8 }, encoding: { y, x: { field: 'mean', type: 'quantitative', title: `Change in ${result.metric.replace(/_/g, ' ')} by permuting feature` }, color: { field: 'kind', type: 'nominal', title: null } } },
      { data: { values: rows }, mark: { type: 'rule', color: 'black' }, encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } },
      { data: { values: points }, mark: { type: 'tick', color: '#333', opacity: 0.5, thickness: 1 }, encoding: { y, x: { field: 'value', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
  return { id: 'importance_permutation', section: 'explain', group: 'Permutation importance', title: 'Permutation feature importance', spec, embed: 'svg' };
}

/**
 * Grad-CAM profiles against height, one line per band, ground at the bottom. (The seed drew its heatmap with
 * imshow's default origin, which put 5 m at the top while the profile lines had it at the bottom.)
 */
export function saliencyPlots(result: SaliencyResult): Plot[] {
  const plots: Plot[] = result.samples.map((sample) => {
    const values = sample.gradCam.flatMap((b) => b.values.map((v, i) => ({ band: b.band, height: result.heights[i], saliency: v })));
    // A square-root height axis: the 33 levels crowd the lowest kilometre (5 m to 800 m hold 16 of them).
    const y = heightAxis(result.heights);
    const saliencyPanel = {
      width: 300,
      height: 320,
      data: { values },
      mark: { type: 'line', point: { size: 14 } },
      encoding: {
        x: { field: 'saliency', type: 'quantitative', title: 'Saliency (normalised)', scale: { domain: [0, 1] } },
        y,
        order: { field: 'height', type: 'quantitative' },
        color: { field: 'band', type: 'nominal', title: 'band', sort: sample.gradCam.map((b) => b.band) },
      },
    };
    // The seed drew the standardised input profiles under its heatmap; here they stand beside it, same heights.
    const inputs = (sample.inputs ?? []).flatMap((perFeature, h) => perFeature.map((v, f) => ({ feature: result.profileFeatures[f] ?? String(f), height: result.heights[h], value: v })));
    const inputPanel = {
      width: 240,
      height: 320,
      data: { values: inputs },
      mark: { type: 'line' },
      encoding: {
        x: { field: 'value', type: 'quantitative', title: 'Standardised model input' },
        y,
        order: { field: 'height', type: 'quantitative' },
        color: { field: 'feature', type: 'nominal', title: 'input', scale: { scheme: 'dark2' } },
      },
    };
    const spec = {
      title: { text: `Grad-CAM saliency, row ${sample.row}`, subtitle: `${sample.reason}; layer ${result.layer}; predicted fractions ${sample.prediction.map((p) => (typeof p === 'number' && Number.isFinite(p) ? p.toFixed(2) : '–')).join(', ')}` },
      hconcat: inputs.length ? [saliencyPanel, inputPanel] : [saliencyPanel],
      resolve: { scale: { color: 'independent' } },
    } as unknown as TopLevelSpec;
    return { id: `saliency_gradcam_row${sample.row}`, section: 'explain' as const, group: 'Saliency', title: `Grad-CAM saliency, row ${sample.row}`, spec, embed: 'svg' as const };
  });
  if (result.gradients && result.gradients.length > 0) {
    const values = result.gradients.flatMap((b) => b.values.flatMap((perFeature, h) => perFeature.map((v, f) => ({ band: b.band, feature: result.profileFeatures[f], height: result.heights[h], gradient: v }))));
    const spec = {
      title: { text: 'Input gradients against height', subtitle: `mean |d ${result.output === 'probabilities' ? 'predicted fraction' : 'band score (logit)'} / d standardised input| over ${result.gradientRows ?? 'the'} test rows` },
      data: { values },
      facet: { column: { field: 'band', type: 'nominal', title: 'band', sort: result.gradients.map((b) => b.band) } },
      spec: {
        width: 150,
        height: 300,
        mark: { type: 'line' },
        encoding: {
          x: { field: 'gradient', type: 'quantitative', title: '|gradient|' },
          y: heightAxis(result.heights),
          order: { field: 'height', type: 'quantitative' },
          color: { field: 'feature', type: 'nominal', title: 'feature' },
        },
      },
    } as TopLevelSpec;
    plots.push({ id: 'saliency_gradients', section: 'explain', group: 'Saliency', title: 'Input gradients against height', spec, embed: 'svg' });
  }
  return plots;
}

/** First-layer filters as grey images (kernel position x input feature), as the seed showed them. */
export function filterPlot(result: FiltersResult): Plot {
  const values = result.filters.flatMap((filter, f) => filter.flatMap((row, position) => row.map((weight, feature) => ({ filter: f + 1, position, feature: result.features[feature] ?? String(feature), weight }))));
  const spec = {
    title: { text: `First-layer filters (${result.layer})`, subtitle: `${result.filters.length} filters, kernel ${result.kernelSize} x ${result.features.length} features, weights min-max normalised to [0, 1]` },
    data: { values },
    facet: { field: 'filter', type: 'ordinal', title: null, header: { labelFontSize: 9, labelPadding: 2 } },
    columns: 8,
    spacing: 6,
    spec: {
      width: 14 * result.features.length,
      height: 14 * result.kernelSize,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'feature', type: 'nominal', sort: result.features, axis: null },
        y: { field: 'position', type: 'ordinal', axis: null },
        color: { field: 'weight', type: 'quantitative', scale: { scheme: 'greys', domain: [0, 1], reverse: true }, title: 'weight' },
      },
    },
  } as TopLevelSpec;
  return { id: 'filters_first_layer', section: 'explain', group: 'Filters', title: 'First-layer filters', spec, embed: 'svg' };
}

/**
 * Plots of the explainer files whose declared format the report can draw (`prd-importance`, `prd-saliency`,
 * `prd-filters`), whichever plugin wrote them; other JSON is shown as data and explainers' own images as they are.
 */
export function explainPlots(outputs: ExplainerOutput[], declared: Declared): Plot[] {
  const plots: Plot[] = [];
  for (const output of outputs) {
    for (const [file, json] of Object.entries(output.json)) {
      if (!isObject(json)) continue;
      const format = declared.format(output.name, file);
      if (format === 'prd-importance' && Array.isArray(json.features)) {
        plots.push(importancePlot(json as unknown as ImportanceResult), ...multiPassPlots(json as unknown as PassesResult));
        const heights = perHeightPlot(json as unknown as PassesResult);
        if (heights) plots.push(heights);
      }
      if (format === 'prd-saliency' && Array.isArray(json.samples)) plots.push(...saliencyPlots(json as unknown as SaliencyResult));
      if (format === 'prd-filters' && Array.isArray(json.filters)) plots.push(filterPlot(json as unknown as FiltersResult));
    }
  }
  return plots;
}

const HEIGHT_TICKS = [0, 50, 100, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000];

/**
 * The height axis of profile charts: square-root scaled (the levels crowd the lowest kilometre: 5 m to 800 m hold
 * 16 of the seed's 33), with ticks placed where the levels are instead of vega's even steps, which left the lowest
 * kilometre without a tick.
 */
export function heightAxis(heights: readonly number[]): Record<string, unknown> {
  const top = Math.max(...heights, 1);
  const values = HEIGHT_TICKS.filter((t) => t <= top * 1.05);
  return { field: 'height', type: 'quantitative', title: 'Height in atmosphere (m)', scale: { type: 'sqrt', domain: [0, top] }, axis: { values, format: ',d' } };
}
