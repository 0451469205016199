import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataEngine, ident, literal } from '../data/engine.js';
import type { PluginContext } from '../plugin/contract.js';
import { defaultRef } from '../plugin/kinds.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { PluginRef } from '../recipe/base-schema.js';
import { RunEvents } from './events.js';
import { isModelUri, predictInference, prepareInference, resolveModel } from './inference.js';
import { mlColumns } from './steps/predict.js';

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
  /** Scratch space (downloaded models, tensors); default a folder beside `out`. */
  tempDir?: string;
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
}

/**
 * Apply a saved model to data, as the seed's inference did (§6.6, §10.3), and write one CSV with metadata, radar
 * truth where the data has it, NWP band probabilities where available, and the ML band fractions, in the seed's
 * column names (`{radar,mogrepsg,ml}_fraction_in_band_instant_{band}`).
 */
export async function applyModel(options: ApplyModelOptions): Promise<ApplyModelResult> {
  const events = options.events ?? new RunEvents();
  const signal = options.signal ?? new AbortController().signal;
  const out = resolve(options.out);
  const tempDir = resolve(options.tempDir ?? join(out, '..', `.prd-predict-${process.pid}`));
  mkdirSync(tempDir, { recursive: true });
  // Plugins keep their reusable scratch (the csv source's Parquet conversions) where `prd run` keeps it.
  const context: PluginContext = { seed: 0, baseDir: process.cwd(), pointer: '', events, tempDir: resolve('.prd', 'tmp') };
  const engine = await DataEngine.open({ tempDir: join(tempDir, 'duckdb'), memoryLimit: options.memoryLimit ?? '1GB' });
  try {
    const model = await resolveModel(isModelUri(options.model) ? options.model : resolve(options.model), options.registry, context, tempDir);
    const input = await prepareInference({ engine, registry: options.registry, context, model, data: options.data, tempDir, requireTruth: false });
    events.log(`predicting ${input.rows} rows of ${input.description}`);
    if (signal.aborted) throw signal.reason;
    const predictions = await predictInference({ engine, registry: options.registry, context, model, input, compute: options.compute ?? defaultRef('backend'), tempDir, events, signal });
    const { features } = model;
    const columns = [...features.metadata, ...(input.hasTruth ? features.targetColumns : []), ...input.nwpColumns, ...mlColumns(model.preprocessing)];
    mkdirSync(join(out, '..'), { recursive: true });
    await engine.toCsv({ sql: `SELECT ${columns.map(ident).join(', ')} FROM read_parquet(${literal(predictions)})` }, out);
    return { rows: input.rows, dropped: input.dropped, out, columns, modelDir: isModelUri(options.model) ? options.model : model.modelDir };
  } finally {
    engine.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
}
