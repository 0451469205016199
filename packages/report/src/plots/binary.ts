import { ident, literal, mlColumns, type DataEngine, type MetricTree, type Preprocessing } from '@prd/core';
import type { TopLevelSpec } from 'vega-lite';
import type { Plot } from './plot.js';

type Leaf = { ml?: number | null };
const value = (tree: MetricTree, key: string): number | null => {
  const leaf = tree[key] as Leaf | undefined;
  return typeof leaf?.ml === 'number' ? leaf.ml : null;
};

/**
 * Figures of a binary rain / no-rain model (seed §5.5): the confusion matrix at a 0.5 threshold, the skill scores on
 * [0, 1], and the ROC curve from predictions.csv (the test split).
 */
export async function binaryPlots(engine: DataEngine, csv: string | undefined, p: Preprocessing, test: MetricTree | undefined): Promise<Plot[]> {
  if (p.task !== 'binary') return [];
  const plots: Plot[] = [];
  const scores = test?.binary as MetricTree | undefined;
  if (scores) {
    const cells = [
      { observed: 'rain', predicted: 'rain', n: value(scores, 'tp') },
      { observed: 'no rain', predicted: 'rain', n: value(scores, 'fp') },
      { observed: 'rain', predicted: 'no rain', n: value(scores, 'fn') },
      { observed: 'no rain', predicted: 'no rain', n: value(scores, 'tn') },
    ].filter((c) => c.n !== null);
    const axis = (field: string, title: string) => ({ field, type: 'nominal', sort: ['rain', 'no rain'], title });
    const confusion = {
      title: { text: 'Confusion matrix', subtitle: 'test rows, rain predicted where p ≥ 0.5' },
      width: 180,
      height: 180,
      data: { values: cells },
      layer: [
        { mark: 'rect', encoding: { x: axis('predicted', 'Predicted'), y: axis('observed', 'Observed'), color: { field: 'n', type: 'quantitative', scale: { scheme: 'blues' }, title: 'rows' } } },
        { mark: { type: 'text', fontSize: 14 }, encoding: { x: axis('predicted', 'Predicted'), y: axis('observed', 'Observed'), text: { field: 'n', type: 'quantitative', format: 'd' } } },
      ],
    };
    const names: Array<[string, string]> = [['accuracy', 'Accuracy'], ['precision', 'Precision'], ['recall', 'Recall'], ['auc', 'ROC area']];
    const bars = {
      title: { text: 'Scores', subtitle: 'test rows' },
      width: { step: 44 },
      height: 180,
      data: { values: names.map(([key, label]) => ({ score: label, value: value(scores, key) })).filter((v) => v.value !== null) },
      layer: [
        { mark: { type: 'bar', color: '#1f77b4' }, encoding: { x: { field: 'score', type: 'nominal', sort: names.map((n) => n[1]), title: null, axis: { labelAngle: 0 } }, y: { field: 'value', type: 'quantitative', title: 'Score (1 = perfect)', scale: { domain: [0, 1] } } } },
        { mark: { type: 'text', dy: -6, fontSize: 9 }, encoding: { x: { field: 'score', type: 'nominal', sort: names.map((n) => n[1]) }, y: { field: 'value', type: 'quantitative' }, text: { field: 'value', type: 'quantitative', format: '.2f' } } },
      ],
    };
    plots.push({ id: 'binary_scores', section: 'metrics', group: 'test', title: 'Rain / no-rain scores', spec: { hconcat: [confusion, bars], spacing: 40, resolve: { scale: { color: 'independent' } } } as unknown as TopLevelSpec, embed: 'svg' });
  }
  if (csv) {
    const truth = ident(p.target.columns[0]);
    const ml = ident(mlColumns(p)[0]);
    // ROC points at the predicted values' 0.5% quantiles (and above the largest): hit rate against false-alarm rate.
    const roc = await engine.rows<{ t: number; tpr: number; fpr: number }>(
      `WITH r AS (SELECT (${truth} > 0.5)::INTEGER AS o, ${ml}::DOUBLE AS p FROM read_csv(${literal(csv)}, header = true) WHERE ${truth} IS NOT NULL AND ${ml} IS NOT NULL), ` +
        `t AS (SELECT DISTINCT unnest(quantile_disc(p, [${Array.from({ length: 201 }, (_, i) => i / 200).join(', ')}])) AS t FROM r UNION SELECT 2.0) ` +
        `SELECT t, (count(*) FILTER (WHERE o = 1 AND p >= t))::DOUBLE / nullif(count(*) FILTER (WHERE o = 1), 0) AS tpr, (count(*) FILTER (WHERE o = 0 AND p >= t))::DOUBLE / nullif(count(*) FILTER (WHERE o = 0), 0) AS fpr FROM t, r GROUP BY t ORDER BY t`,
    );
    const points = roc.filter((r) => r.tpr !== null && r.fpr !== null).map((r) => ({ threshold: Number(r.t), tpr: Number(r.tpr), fpr: Number(r.fpr) }));
    if (points.length > 0) {
      const spec = {
        title: { text: 'ROC curve', subtitle: 'test rows, thresholds at every 0.5% quantile of the predictions; dashed: no skill' },
        width: 260,
        height: 260,
        layer: [
          { data: { values: points }, mark: { type: 'line', point: { size: 10 } }, encoding: { x: { field: 'fpr', type: 'quantitative', title: 'False-alarm rate (false positives / no-rain rows)', scale: { domain: [0, 1] } }, y: { field: 'tpr', type: 'quantitative', title: 'Hit rate (true positives / rain rows)', scale: { domain: [0, 1] } }, order: { field: 'threshold', type: 'quantitative', sort: 'descending' } } },
          { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', strokeDash: [5, 4], color: 'grey' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
        ],
      } as TopLevelSpec;
      plots.push({ id: 'binary_roc', section: 'metrics', group: 'test', title: 'ROC curve', spec, embed: 'svg' });
    }
  }
  return plots;
}
