import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGivenModel, type MetricTree, type PluginRef, type PluginRegistry, type RunEvents, type RunReporter } from '@prd/core';

/** How to explain a trained model on new data (`prd explain`). */
export interface ExplainModelOptions {
  /** A run directory, its model/ folder, or a tracker URI (`runs:/<id>/model`, `models:/<name>@<alias>`). */
  model: string;
  /** Merged CSV (or Parquet) files or globs, read with the `csv` source. */
  data: string[];
  registry: PluginRegistry;
  /** Explainers to run; default those of the training recipe. */
  explain?: PluginRef[];
  /** Backend that applies the model; default the training run's compute, else local. */
  compute?: PluginRef;
  runsDir?: string;
  cacheDir?: string;
  memoryLimit?: string;
  seed?: number;
  events?: RunEvents;
  signal?: AbortSignal;
  reporter?: RunReporter;
  prdVersion?: string;
}

/** What `prd explain` did. */
export interface ExplainModelResult {
  runId: string;
  runDir: string;
  rows: number;
  dropped: number;
  /** Each explainer's summary, by name. */
  explanations: MetricTree;
}

/**
 * Run explainers on a trained model and new data, without retraining (the seed's XAI notebook loaded a model from
 * MLflow and explained a test scenario, §9): the step table with the model given, as `prd predict` and
 * `prd evaluate` run it (the model's own scaler, no training filters, rows missing an input left out and counted,
 * the radar truth the explainers score against), cached, in a run directory of its own: explain/<name>/, plots/,
 * report.html.
 */
export async function explainModel(options: ExplainModelOptions): Promise<ExplainModelResult> {
  const run = await runGivenModel({ ...options, purpose: 'explain' });
  const file = join(run.runDir, 'explain', 'explanations.json');
  const explanations = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as MetricTree) : {};
  return { runId: run.runId, runDir: run.runDir, rows: run.rows, dropped: run.dropped, explanations };
}
