import type { TopLevelSpec } from 'vega-lite';
import type { Plot } from './plot.js';

/** The multi-pass and per-height parts of `importance.json` (permutation-importance with multiPass / perHeight). */
export interface PassesResult {
  metric: string;
  baseline: number;
  rows: number;
  multiPass?: { forward?: Array<{ feature: string; score: number }>; backward?: Array<{ feature: string; score: number }>; backwardAllShuffled?: number };
  heights?: number[];
  perHeight?: Array<{ name: string; values: number[] }>;
}

const NAMES: Record<string, string> = { kl_divergence: 'KL divergence', mae: 'MAE', binary_crossentropy: 'binary cross-entropy' };
const metricName = (metric: string): string => NAMES[metric] ?? metric.replace(/_/g, ' ');

/**
 * Lakshmanan multi-pass rankings as the seed drew them (§9.2): one bar per pass, "No permutation" first, the bar the
 * score after that pass, labelled with its value. Forward passes shuffle one more feature each; backward passes
 * start from all shuffled and restore one more each.
 */
export function multiPassPlots(result: PassesResult): Plot[] {
  const plots: Plot[] = [];
  const metric = metricName(result.metric);
  for (const direction of ['forward', 'backward'] as const) {
    const steps = result.multiPass?.[direction];
    if (!steps || steps.length === 0) continue;
    const first = direction === 'forward' ? 'No permutation' : 'All shuffled';
    const start = direction === 'forward' ? result.baseline : (result.multiPass?.backwardAllShuffled ?? Number.NaN);
    const values = [...(Number.isFinite(start) ? [{ label: first, step: 0, score: start }] : []), ...steps.map((s, i) => ({ label: `${i + 1}. ${s.feature}`, step: i + 1, score: s.score }))];
    const order = values.map((v) => v.label);
    const y = { field: 'label', type: 'nominal', sort: order, title: direction === 'forward' ? 'Permuted features (cumulative, in order chosen)' : 'Restored features (cumulative, in order chosen)' };
    const x = { field: 'score', type: 'quantitative', title: `${metric} of the test rows` };
    const spec = {
      title: {
        text: `Multi-pass permutation importance (${direction})`,
        subtitle:
          direction === 'forward'
            ? `Lakshmanan et al. (2015): each pass shuffles the feature that worsens the ${metric} most, on top of those before; ${result.rows} rows`
            : `each pass restores the feature that improves the ${metric} most, starting from every feature shuffled; ${result.rows} rows`,
      },
      width: 420,
      height: { step: 22 },
      data: { values },
      layer: [
        { mark: { type: 'bar', color: direction === 'forward' ? '#4c78a8' : '#59a14f' }, encoding: { y, x } },
        { mark: { type: 'text', align: 'left', dx: 3, fontSize: 9, fontWeight: 'bold' }, encoding: { y, x, text: { field: 'score', type: 'quantitative', format: '.3f' } } },
      ],
    } as TopLevelSpec;
    plots.push({ id: `importance_multipass_${direction}`, section: 'explain', group: 'Permutation importance', title: `Multi-pass permutation importance (${direction})`, spec, embed: 'svg' });
  }
  return plots;
}

/** Per-height permutation importance: the score increase when one level of one profile feature is shuffled, against height. */
export function perHeightPlot(result: PassesResult): Plot | undefined {
  if (!result.perHeight || !result.heights || result.perHeight.length === 0) return undefined;
  const heights = result.heights;
  const values = result.perHeight.flatMap((f) => f.values.map((v, i) => ({ feature: f.name, height: heights[i], change: v })));
  const metric = metricName(result.metric);
  const spec = {
    title: { text: 'Permutation importance per height level', subtitle: `change in ${metric} when one level of one profile feature is shuffled across ${result.rows} rows` },
    width: 360,
    height: 320,
    data: { values },
    mark: { type: 'line', point: { size: 14 } },
    encoding: {
      x: { field: 'change', type: 'quantitative', title: `Change in ${metric} by permuting the level` },
      // Square-root axis: the 33 levels crowd the lowest kilometre.
      y: { field: 'height', type: 'quantitative', title: 'Height in atmosphere (m)', scale: { type: 'sqrt' } },
      order: { field: 'height', type: 'quantitative' },
      color: { field: 'feature', type: 'nominal', title: 'Profile feature' },
    },
  } as TopLevelSpec;
  return { id: 'importance_per_height', section: 'explain', group: 'Permutation importance', title: 'Permutation importance per height level', spec, embed: 'svg' };
}
