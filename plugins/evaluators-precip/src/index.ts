import { definePlugin, type AnyPlugin, type Evaluator, type MetricDeclaration, type OutputDeclaration, type PluginContext } from '@prd/core';
import { Type, type Static } from '@sinclair/typebox';
import { AGGREGATIONS, type Aggregation } from './aggregations.js';
import { evaluateScore } from './evaluate.js';
import { binaryScores } from './scores-binary.js';
import { fss, frequencyBias, klDivergence, mae, r2, rmse, type ScoreSpec } from './scores.js';

export { AGGREGATIONS, aggregatedRows, metricName, type Aggregation, type RowLayout } from './aggregations.js';
export { scoreColumns, thresholdKey, type ScoreColumns } from './columns.js';
export { evaluateScore, type EvaluateOptions, type EvaluatorContext } from './evaluate.js';
export { fss, frequencyBias, klDivergence, mae, r2, rmse, exceedanceSql, EXCEEDANCE_FLOOR, type Leaf, type ScoreSpec, type Source } from './scores.js';

const AggregationName = Type.Union(
  AGGREGATIONS.map((a) => Type.Literal(a)),
  { description: 'members: every row; ensemble_mean: predictions averaged over members per (time, cell); control: the control member only' },
);

/** Options shared by every precipitation evaluator; `perCell` defaults differ (maps for FSS and frequency bias). */
function optionsSchema(perCell: Aggregation[]) {
  return Type.Object(
    {
      aggregations: Type.Array(AggregationName, { default: [...AGGREGATIONS], uniqueItems: true, description: 'How rows are combined before scoring; each adds a metric (fss, fss_ensemble_mean, fss_control)' }),
      perCell: Type.Array(AggregationName, { default: perCell, uniqueItems: true, description: 'Aggregations also scored per grid cell for maps (<score>_by_cell.csv, and <metric>_grid_mean)' }),
      memberColumn: Type.String({ default: 'realization', description: 'Column that numbers ensemble members' }),
      controlMember: Type.Number({ default: 0, description: 'Member label of the control forecast' }),
      cellColumns: Type.Array(Type.String(), { default: ['latitude', 'longitude'], minItems: 1, description: 'Columns that identify a grid cell' }),
    },
    { additionalProperties: false },
  );
}

function scorer(spec: ScoreSpec, options: Static<ReturnType<typeof optionsSchema>>, context: PluginContext): Evaluator {
  return { evaluate: (input) => evaluateScore(spec, input, options, context) };
}

/**
 * What a score's evaluator reports: the metric `<score>` (and `<score>_<aggregation>`, `..._grid_mean`, which the
 * declaration covers), ML and NWP side by side per key, and a per-cell table for the maps.
 */
function outputs(spec: ScoreSpec, metric: MetricDeclaration): OutputDeclaration {
  return {
    metrics: { [spec.name]: metric },
    files: [{ path: `${spec.name}_by_cell.csv`, format: 'prd-cell-scores', description: `${metric.label} per grid cell, for each aggregation in "perCell"` }],
  };
}

const fssOptions = optionsSchema(['members']);
const biasOptions = optionsSchema(['members']);
const plainOptions = optionsSchema([]);

const plugins: AnyPlugin[] = [
  definePlugin({
    kind: 'evaluator',
    name: 'fss',
    description: 'Fractions skill score per exceedance threshold (band upper bounds), ML and NWP side by side',
    options: fssOptions,
    outputs: outputs(fss, { label: 'Fractions skill score', direction: 'higher', ideal: 1, keys: 'thresholds' }),
    create: (options, context) => scorer(fss, options, context),
  }),
  definePlugin({
    kind: 'evaluator',
    name: 'frequency-bias',
    description: 'Frequency bias per band: mean of forecast / observed fraction over rows with an observed fraction',
    options: biasOptions,
    outputs: outputs(frequencyBias, { label: 'Frequency bias', direction: 'ideal', ideal: 1, ratio: true, keys: 'bands' }),
    create: (options, context) => scorer(frequencyBias, options, context),
  }),
  definePlugin({
    kind: 'evaluator',
    name: 'kl-divergence',
    description: 'KL divergence of the band fractions from the radar fractions (the training loss), ML and NWP',
    options: plainOptions,
    outputs: outputs(klDivergence, { label: 'KL divergence', direction: 'lower' }),
    create: (options, context) => scorer(klDivergence, options, context),
  }),
  definePlugin({
    kind: 'evaluator',
    name: 'mae',
    description: 'Mean absolute error per band, or of a regression target',
    options: plainOptions,
    outputs: outputs(mae, { label: 'MAE', direction: 'lower', keys: 'bands' }),
    create: (options, context) => scorer(mae, options, context),
  }),
  definePlugin({
    kind: 'evaluator',
    name: 'binary',
    description: 'Rain / no-rain scores of a binary target: TP, FP, TN, FN, accuracy, precision, recall at 0.5, the ROC area and the precision-recall area (average precision)',
    options: plainOptions,
    // Counts and rates of the ML forecast alone (no NWP side), so the direction marks nothing as better.
    outputs: { metrics: { binary: { label: 'Rain / no-rain scores (TP, FP, TN, FN; accuracy, precision, recall, ROC area, average precision)', direction: 'higher' } } },
    create: (options, context) => scorer(binaryScores, options, context),
  }),
  definePlugin({
    kind: 'evaluator',
    name: 'rmse',
    description: 'Root mean squared error per band, or of a regression target',
    options: plainOptions,
    outputs: outputs(rmse, { label: 'RMSE', direction: 'lower', keys: 'bands' }),
    create: (options, context) => scorer(rmse, options, context),
  }),
  definePlugin({
    kind: 'evaluator',
    name: 'r2',
    description: 'Coefficient of determination (as sklearn r2_score) per band, or of a regression target',
    options: plainOptions,
    outputs: outputs(r2, { label: 'R²', direction: 'higher', ideal: 1, keys: 'bands' }),
    create: (options, context) => scorer(r2, options, context),
  }),
];

export default plugins;
