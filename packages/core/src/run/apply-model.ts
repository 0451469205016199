import { join, resolve } from 'node:path';
import { DataEngine } from '../data/engine.js';
import { PrdError } from '../errors.js';
import { spillDir, tempDirBeside } from './temp-dirs.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { PluginRef } from '../recipe/base-schema.js';
import type { RunEvents } from './events.js';
import { isModelUri } from './inference.js';
import { writePredictionsCsv } from './outputs.js';
import { runGivenModel } from './score.js';

/** How to apply a saved model to data (`prd predict`). */
export interface ApplyModelOptions {
  /** A run directory, its model/ folder, or a tracker URI such as `runs:/<id>/model` or `models:/<name>@<alias>`. */
  model: string;
  /** CSV (or Parquet) files or globs of the seed's merged schema, read through the `csv` source plugin. */
  data: string[];
  /** The predictions CSV to write. */
  out: string;
  registry: PluginRegistry;
  /** Backend that applies the model; default the local backend. */
  compute?: PluginRef;
  /** Where the run directory of the prediction goes; default ./runs. */
  runsDir?: string;
  /** Where step outputs are cached; default ./.prd/cache. */
  cacheDir?: string;
  /** prd's own version, for the manifest. */
  prdVersion?: string;
  memoryLimit?: string;
  events?: RunEvents;
  signal?: AbortSignal;
}

/** What `prd predict` did. */
export interface ApplyModelResult {
  /** Rows predicted and written. */
  rows: number;
  /** Rows left out because an input value was missing. */
  dropped: number;
  out: string;
  /** The CSV's columns: metadata, radar truth (where present), NWP (where present), ML. */
  columns: string[];
  /** The model used: the URI as given, or the local model directory. */
  modelDir: string;
  /** The run directory that records the prediction (manifest, steps, predictions.csv). */
  runDir: string;
}

/**
 * Apply a saved model to data, as the seed's inference did (§6.6, §10.3), and write one CSV with metadata, radar
 * truth where the data has it, NWP band probabilities where available, and the ML band fractions, in the seed's
 * column names (`{radar,mogrepsg,ml}_fraction_in_band_instant_{band}`). It runs the step table with the model given
 * (cached, and recorded in a run directory of its own, as `prd evaluate` is).
 */
export async function applyModel(options: ApplyModelOptions): Promise<ApplyModelResult> {
  const out = resolve(options.out);
  const run = await runGivenModel({ ...options, purpose: 'predict' });
  if (!run.predictDir) throw new PrdError(`no rows of ${options.data.join(', ')} could be predicted`);
  const engine = await DataEngine.open({ tempDir: spillDir(tempDirBeside(resolve(options.cacheDir ?? join('.prd', 'cache')))), memoryLimit: options.memoryLimit ?? '1GB' });
  try {
    const columns = await writePredictionsCsv(engine, join(run.predictDir, 'test.parquet'), run.preprocessing, out);
    return { rows: run.rows, dropped: run.dropped, out, columns, modelDir: isModelUri(options.model) ? options.model : run.modelDir, runDir: run.runDir };
  } finally {
    engine.close();
  }
}
