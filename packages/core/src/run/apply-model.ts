import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataEngine, ident, literal, type Relation } from '../data/engine.js';
import type { FeatureSpec } from '../data/features.js';
import { withNwpBandProbabilities } from '../data/nwp.js';
import { writePredictions } from '../data/predictions.js';
import { writeTensorFile } from '../data/tensor-export.js';
import { TensorFile } from '../data/tensor-file.js';
import { PrdError, type Issue } from '../errors.js';
import type { PluginContext } from '../plugin/contract.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { PluginRef } from '../recipe/base-schema.js';
import { closest } from '../suggest.js';
import { RunEvents } from './events.js';
import { featuresFromPreprocessing, inputColumns, type Preprocessing } from './preprocessing.js';
import { createPlugin, modelDirOf } from './score.js';
import { ensembleKeys } from './steps/prepare.js';
import { mlColumns } from './steps/predict.js';
import { layoutOf } from './steps/scale.js';

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
  /** The model directory used (after downloading, for tracker URIs). */
  modelDir: string;
}

/** A tracker model URI (`runs:/…`, `models:/…`, any `scheme:/…`) rather than a path on disk. */
export function isModelUri(model: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\//i.test(model) && !/^[a-z]:[\\/]/i.test(model) && !existsSync(model);
}

/** Ask each installed tracker to download a model URI into `dest`; the first that knows the URI wins. */
async function downloadModel(uri: string, dest: string, registry: PluginRegistry, context: PluginContext): Promise<string> {
  const reasons: Issue[] = [];
  for (const { plugin } of registry.list('tracker')) {
    let tracker;
    try {
      tracker = await createPlugin(registry, 'tracker', { use: plugin.name }, `/track/${plugin.name}`, context);
    } catch (error) {
      reasons.push({ message: `${plugin.name}: ${(error as Error).message}` });
      continue;
    }
    if (!tracker.downloadModel) continue;
    mkdirSync(dest, { recursive: true });
    if (await tracker.downloadModel(uri, dest)) return dest;
  }
  throw new PrdError(`no installed tracker could fetch ${uri}; pass a run directory, or configure the tracker that holds the model`, reasons);
}

/** The model directory inside a downloaded artifact folder (the folder itself, or its model/). */
function downloadedModelDir(dest: string): string {
  for (const dir of [dest, join(dest, 'model'), ...readdirSync(dest).map((d) => join(dest, d))]) {
    if (existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'preprocessing.json'))) return dir;
  }
  throw new PrdError(`the downloaded model in ${dest} has no model.json and preprocessing.json; was it logged by prd?`);
}

/**
 * Apply a saved model to data, as the seed's inference did (§6.6, §10.3): read the files with the `csv` source,
 * standardise with the model's own preprocessing.json (no training filters), predict, and write one CSV with
 * metadata, radar truth where the data has it, NWP band probabilities where available, and the ML band fractions,
 * in the seed's column names (`{radar,mogrepsg,ml}_fraction_in_band_instant_{band}`). Rows missing an input value
 * cannot be predicted; they are left out and counted.
 */
export async function applyModel(options: ApplyModelOptions): Promise<ApplyModelResult> {
  const events = options.events ?? new RunEvents();
  const signal = options.signal ?? new AbortController().signal;
  const out = resolve(options.out);
  const tempDir = resolve(options.tempDir ?? join(out, '..', `.prd-predict-${process.pid}`));
  mkdirSync(tempDir, { recursive: true });
  const context: PluginContext = { seed: 0, baseDir: process.cwd(), pointer: '', events, tempDir };
  const engine = await DataEngine.open({ tempDir: join(tempDir, 'duckdb'), memoryLimit: options.memoryLimit ?? '1GB' });
  try {
    let modelDir: string;
    if (isModelUri(options.model)) {
      events.log(`downloading ${options.model}`);
      modelDir = downloadedModelDir(await downloadModel(options.model, join(tempDir, 'model'), options.registry, context));
    } else {
      modelDir = modelDirOf(resolve(options.model)).modelDir;
    }
    const preprocessing = JSON.parse(readFileSync(join(modelDir, 'preprocessing.json'), 'utf8')) as Preprocessing;
    const features = featuresFromPreprocessing(preprocessing);
    const spec: FeatureSpec = { profile: features.profile.map((p) => p.name), singleLevel: features.singleLevel, target: { column: features.targetColumns[0] } };
    const source = await createPlugin(options.registry, 'source', { use: 'csv', with: { paths: options.data } }, '/data/source', context);
    const data = await source.open({ ...context, pointer: '/data/source', engine, spec });
    let relation: Relation = data.relation;
    const names = new Set((await engine.columns(relation)).map((c) => c.name));
    const inputs = inputColumns(features);
    const missing = [...features.metadata, ...inputs].filter((c) => !names.has(c));
    if (missing.length > 0) {
      throw new PrdError(
        `the data lacks ${missing.length} column${missing.length > 1 ? 's' : ''} the model needs (${data.description})`,
        missing.slice(0, 20).map((c) => ({ dataColumn: c, message: `no column "${c}"`, suggestion: closest(c, [...names]) })),
      );
    }
    // Truth and NWP are optional: forecasts without radar can be predicted too.
    const hasTruth = features.targetSources.flat().every((c) => names.has(c));
    if (features.baseline.kind === 'ensemble-rate' && names.has(features.baseline.rateColumn)) {
      relation = withNwpBandProbabilities(relation, features.baseline.rateColumn, features.bands, features.prefixes.nwp, ensembleKeys(features));
    }
    const nwpColumns = features.baseline.kind === 'none' ? [] : features.baseline.columns;
    const hasNwp = nwpColumns.length > 0 && (features.baseline.kind === 'ensemble-rate' ? names.has(features.baseline.rateColumn) : nwpColumns.every((c) => names.has(c)));
    if (!hasTruth) events.log('the data has no radar truth columns; writing predictions without them', 'warn');

    const complete = inputs.map((c) => `${ident(c)} IS NOT NULL AND NOT isnan(${ident(c)}::DOUBLE)`).join(' AND ');
    const keep = [...new Set([...features.metadata, ...inputs, ...(hasTruth ? features.targetSources.flat() : []), ...(hasNwp ? nwpColumns : [])])].map(ident);
    const rowsFile = join(tempDir, 'rows.parquet');
    const all = await engine.count(relation);
    await engine.toParquet({ sql: `SELECT ${keep.join(', ')} FROM (${relation.sql}) WHERE ${complete} ORDER BY ${features.metadata.map(ident).join(', ')}` }, rowsFile);
    const rows: Relation = { sql: `SELECT *, file_row_number AS __row FROM read_parquet(${literal(rowsFile)}, file_row_number = true)` };
    const kept = await engine.count(rows);
    if (kept === 0) throw new PrdError(`none of the ${all} rows of ${data.description} has every input the model needs`);
    if (kept < all) events.log(`${all - kept} of ${all} rows miss an input value and are not predicted`, 'warn');
    events.log(`predicting ${kept} rows of ${data.description}`);

    const { mean, std } = preprocessing.scaler;
    const truthExprs = features.targetSources.map((sources) => sources.map(ident).join(' + '));
    const tensorColumns = [
      ...inputs.map((c, i) => ({ expr: `(${ident(c)} - ${mean[i]}) / ${std[i]}` })),
      // The tensor layout has room for targets; the model never reads them, so rows without truth carry zeros.
      ...features.targetColumns.map((_, i) => ({ expr: hasTruth ? truthExprs[i] : '0' })),
    ];
    const tensorPath = join(tempDir, 'input.f32');
    await writeTensorFile(engine, rows, tensorColumns, layoutOf(features), tensorPath, '__row');
    const truth = features.targetColumns.map((c, i) => `${truthExprs[i]} AS ${ident(c)}`);
    const meta = [...features.metadata.map(ident), ...(hasTruth ? truth : []), ...(hasNwp ? nwpColumns.map(ident) : [])];
    const metaFile = join(tempDir, 'meta.parquet');
    await engine.run(`COPY (SELECT ${meta.join(', ')} FROM (${rows.sql}) ORDER BY __row) TO ${literal(metaFile)} (FORMAT parquet)`);

    if (signal.aborted) throw signal.reason ?? new PrdError('prediction cancelled');
    const backend = await createPlugin(options.registry, 'backend', options.compute ?? { use: 'local' }, '/compute', context);
    const outputs = await backend.predict({ modelDir, input: TensorFile.open(tensorPath), batchSize: 1024, events, signal });
    const predictions = join(tempDir, 'predictions.parquet');
    const ml = mlColumns(preprocessing);
    await writePredictions(engine, metaFile, outputs, ml, predictions);
    const columns = [...features.metadata, ...(hasTruth ? features.targetColumns : []), ...(hasNwp ? nwpColumns : []), ...ml];
    mkdirSync(join(out, '..'), { recursive: true });
    await engine.toCsv({ sql: `SELECT ${columns.map(ident).join(', ')} FROM read_parquet(${literal(predictions)})` }, out);
    return { rows: kept, dropped: all - kept, out, columns, modelDir: isModelUri(options.model) ? options.model : modelDir };
  } finally {
    engine.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
}
