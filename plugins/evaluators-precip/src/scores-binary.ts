import { alias } from './columns.js';
import type { ScoreSpec } from './scores.js';

// Per-row columns: the event observed (truth above one half: a 0/1 truth, or the members' mean of it); the
// average rank of the predicted probability among all rows (ties share their mean rank), for the ROC area; and the
// precision of "rain where p >= this row's p" (every row tied with it included), for the average precision.
const EVENT = '__obs';
const RANK = '__rank';
const PRECISION = '__precision';

/**
 * The seed's binary rain / no-rain metrics (seed-pipeline.md §5.5, Keras' TruePositives, FalsePositives,
 * TrueNegatives, FalseNegatives, BinaryAccuracy, Precision, Recall at a 0.5 threshold, AUC and the PR AUC): the ROC
 * area is computed exactly, as the Mann-Whitney statistic of the predicted probabilities (Keras approximates it
 * with 200 thresholds); the precision-recall area is the average precision exactly as sklearn's
 * `average_precision_score`: sum over the distinct predicted values t, highest first, of (R(t) - R(previous t)) P(t),
 * which is the mean over rain rows of the precision at their own value (Keras' 'prc' interpolated 200 thresholds).
 * Without rain rows it is null, as the ROC area (sklearn warns and returns 0). Cross-checked against sklearn 1.9.1
 * on the cases of binary.test.ts.
 */
export const binaryScores: ScoreSpec = {
  name: 'binary',
  tasks: ['binary'],
  derive(_columns, partition) {
    const p = alias.ml(0);
    const event = `(${alias.truth(0)} > 0.5)::INTEGER`;
    // Ranks are taken within each group scored on its own (a cell, for per-cell scores), else over all rows.
    const within = partition.length > 0 ? `PARTITION BY ${partition.join(', ')} ` : '';
    // The default frame of an ordered window ends at the current row's last peer: rows tied on p count together.
    const atOrAbove = `OVER (${within}ORDER BY ${p} DESC)`;
    const ties = `PARTITION BY ${[...partition, p].join(', ')}`;
    return [`${event} AS ${EVENT}`, `(rank() OVER (${within}ORDER BY ${p}) + (count(*) OVER (${ties}) - 1) / 2.0) AS ${RANK}`, `(sum(${event}) ${atOrAbove})::DOUBLE / count(*) ${atOrAbove} AS ${PRECISION}`];
  },
  leaves() {
    const yes = `(${alias.ml(0)} >= 0.5)`;
    const count = (condition: string) => `count(*) FILTER (WHERE ${condition})::DOUBLE`;
    const tp = count(`${yes} AND ${EVENT} = 1`);
    const fp = count(`${yes} AND ${EVENT} = 0`);
    const tn = count(`NOT ${yes} AND ${EVENT} = 0`);
    const fn = count(`NOT ${yes} AND ${EVENT} = 1`);
    const ratio = (num: string, den: string) => `CASE WHEN ${den} = 0 THEN NULL ELSE ${num} / ${den} END`;
    const positives = count(`${EVENT} = 1`);
    const negatives = count(`${EVENT} = 0`);
    const auc = ratio(`(sum(${RANK}) FILTER (WHERE ${EVENT} = 1) - ${positives} * (${positives} + 1) / 2)`, `(${positives} * ${negatives})`);
    return [
      { path: ['tp'], ml: tp },
      { path: ['fp'], ml: fp },
      { path: ['tn'], ml: tn },
      { path: ['fn'], ml: fn },
      { path: ['accuracy'], ml: `(${tp} + ${tn}) / count(*)` },
      { path: ['precision'], ml: ratio(tp, `(${tp} + ${fp})`) },
      { path: ['recall'], ml: ratio(tp, `(${tp} + ${fn})`) },
      { path: ['auc'], ml: auc },
      { path: ['average_precision'], ml: ratio(`sum(${PRECISION}) FILTER (WHERE ${EVENT} = 1)`, positives) },
    ];
  },
};
