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
 * [0, 1], and the ROC and precision-recall curves from predictions.csv (the test split).
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
    const names: Array<[string, string]> = [['accuracy', 'Accuracy'], ['precision', 'Precision'], ['recall', 'Recall'], ['auc', 'ROC area'], ['average_precision', 'Average precision']];
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
    // Points at the predicted values' 0.5% quantiles (and above the largest): hit rate against false-alarm rate for
    // the ROC curve, precision against hit rate (recall) for the precision-recall curve.
    const roc = await engine.rows<{ t: number; tpr: number; fpr: number; precision: number | null; rate: number }>(
      `WITH r AS (SELECT (${truth} > 0.5)::INTEGER AS o, ${ml}::DOUBLE AS p FROM read_csv(${literal(csv)}, header = true) WHERE ${truth} IS NOT NULL AND ${ml} IS NOT NULL), ` +
        `t AS (SELECT DISTINCT unnest(quantile_disc(p, [${Array.from({ length: 201 }, (_, i) => i / 200).join(', ')}])) AS t FROM r UNION SELECT 2.0) ` +
        `SELECT t, (count(*) FILTER (WHERE o = 1 AND p >= t))::DOUBLE / nullif(count(*) FILTER (WHERE o = 1), 0) AS tpr, (count(*) FILTER (WHERE o = 0 AND p >= t))::DOUBLE / nullif(count(*) FILTER (WHERE o = 0), 0) AS fpr, ` +
        `(count(*) FILTER (WHERE o = 1 AND p >= t))::DOUBLE / nullif(count(*) FILTER (WHERE p >= t), 0) AS precision, avg(o)::DOUBLE AS rate FROM t, r GROUP BY t ORDER BY t`,
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
    const pr = roc.filter((r) => r.tpr !== null && r.precision !== null).map((r) => ({ threshold: Number(r.t), recall: Number(r.tpr), precision: Number(r.precision) }));
    if (pr.length > 0) plots.push(precisionRecallPlot(pr, Number(roc[0].rate), test?.binary as MetricTree | undefined));
  }
  return plots;
}

/** The precision-recall curve (Keras' AUC 'prc' of the seed, §5.5), with the average precision and the no-skill line. */
function precisionRecallPlot(points: Array<{ threshold: number; recall: number; precision: number }>, rainRate: number, scores: MetricTree | undefined): Plot {
  const ap = scores ? value(scores, 'average_precision') : null;
  const spec = {
    title: { text: 'Precision-recall curve', subtitle: `test rows, thresholds at every 0.5% quantile of the predictions${ap === null ? '' : `; average precision ${ap.toFixed(3)}`}; dashed: no skill (the rain rate)` },
    width: 260,
    height: 260,
    layer: [
      { data: { values: points }, mark: { type: 'line', point: { size: 10 } }, encoding: { x: { field: 'recall', type: 'quantitative', title: 'Hit rate, recall (true positives / rain rows)', scale: { domain: [0, 1] } }, y: { field: 'precision', type: 'quantitative', title: 'Precision (true positives / rain predicted)', scale: { domain: [0, 1] } }, order: { field: 'threshold', type: 'quantitative', sort: 'descending' } } },
      { data: { values: [{ x: 0, y: rainRate }, { x: 1, y: rainRate }] }, mark: { type: 'line', strokeDash: [5, 4], color: 'grey' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
  return { id: 'binary_precision_recall', section: 'metrics', group: 'test', title: 'Precision-recall curve', spec, embed: 'svg' };
}
