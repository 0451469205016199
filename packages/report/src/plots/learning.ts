import type { TopLevelSpec } from 'vega-lite';
import type { HistoryRow } from '../run-data.js';
import type { Plot } from './plot.js';

const IGNORED = new Set(['epoch', 'learning_rate', 'duration_ms', 'timestamp']);

/** Learning curves from history.csv: one chart per metric, training and validation together (Keras names). */
export function learningCurves(history: HistoryRow[]): Plot[] {
  if (history.length === 0) return [];
  const metrics = [...new Set(history.flatMap((row) => Object.keys(row)))].filter((m) => !IGNORED.has(m) && !m.startsWith('val_'));
  return metrics.map((metric) => {
    const values = history.flatMap((row) => [
      ...(row[metric] !== undefined ? [{ epoch: row.epoch, value: row[metric], set: 'training' }] : []),
      ...(row[`val_${metric}`] !== undefined ? [{ epoch: row.epoch, value: row[`val_${metric}`], set: 'validation' }] : []),
    ]);
    const spec: TopLevelSpec = {
      width: 360,
      height: 220,
      title: { text: metric === 'loss' ? 'Loss' : metric.replace(/_/g, ' '), subtitle: 'per epoch' },
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
        color: { field: 'set', type: 'nominal', title: null, scale: { domain: ['training', 'validation'], range: ['#1f77b4', '#ff7f0e'] } },
      },
    };
    return { id: `learning_${metric}`, section: 'training' as const, title: `Learning curve: ${metric}`, spec, embed: 'svg' as const };
  });
}
