import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import type { DataEngine } from '../data/engine.js';
import type { FeatureSpec, ResolvedFeatures } from '../data/features.js';
import { writePredictions } from '../data/predictions.js';
import { TensorFile } from '../data/tensor-file.js';
import { PrdError, type Issue } from '../errors.js';
import type { KindInstances, PluginContext, PluginKind } from '../plugin/contract.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { PluginRef } from '../recipe/base-schema.js';
import type { Instance } from './context.js';
import type { RunEvents } from './events.js';
import { readModelFormat } from './mlmodel.js';
import { featuresFromPreprocessing, type Preprocessing } from './preprocessing.js';
import { givenModelData, writeGivenModelTensors } from './steps/given.js';
import { mlColumns } from './steps/predict.js';

/** Create a plugin from the registry with its options' defaults applied and checked, as a recipe would. */
export async function createPlugin<K extends PluginKind>(registry: PluginRegistry, kind: K, ref: PluginRef, pointer: string, context: PluginContext): Promise<KindInstances[K]> {
  return (await createInstance(registry, kind, ref, pointer, context)).instance;
}

/** {@link createPlugin}, with the facts the steps key on and the manifest records (slot, options, package, version). */
export async function createInstance<K extends PluginKind>(registry: PluginRegistry, kind: K, ref: PluginRef, pointer: string, context: PluginContext): Promise<Instance<KindInstances[K]>> {
  const { plugin, origin } = registry.require(kind, ref.use, `${pointer}/use`);
  const options = Value.Default(plugin.options, structuredClone(ref.with ?? {})) as Record<string, unknown>;
  const errors = [...Value.Errors(plugin.options, options)];
  if (errors.length > 0) {
    throw new PrdError(`options of "${ref.use}" are not valid`, errors.map((e) => ({ pointer: `${pointer}/with${e.path}`, message: e.message })));
  }
  const instance = (await plugin.create(options, { ...context, pointer })) as KindInstances[K];
  return { slot: pointer, use: ref.use, options, package: origin.packageName, version: origin.version, instance };
}

/** A tracker model URI (`runs:/…`, `models:/…`, any `scheme:/…`) rather than a path on disk. */
export function isModelUri(model: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\//i.test(model) && !/^[a-z]:[\\/]/i.test(model) && !existsSync(model);
}

/** The model folder of a run directory or of a model/ folder, and the run it belongs to (if any). */
export function modelDirOf(path: string): { modelDir: string; runDir?: string } {
  const candidates = [{ modelDir: join(path, 'model'), runDir: path }, { modelDir: path, runDir: existsSync(join(path, '..', 'manifest.json')) ? join(path, '..') : undefined }];
  const found = candidates.find((c) => existsSync(join(c.modelDir, 'preprocessing.json')) && existsSync(join(c.modelDir, 'model.json')));
  if (!found) throw new PrdError(`${path} holds no trained model (model.json and preprocessing.json); pass a run directory such as runs/<run-id> or its model/ folder`);
  return found;
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

/** A trained model ready to apply: where it is, the run it came from (local models only), and its preprocessing. */
export interface ResolvedModel {
  modelDir: string;
  runDir?: string;
  preprocessing: Preprocessing;
  features: ResolvedFeatures;
  /** The saved model's format, as its MLmodel names it. */
  format: string;
}

/** Find a model given as a run directory, a model/ folder, or a tracker URI (downloaded into `tempDir/model`). */
export async function resolveModel(model: string, registry: PluginRegistry, context: PluginContext, tempDir: string): Promise<ResolvedModel> {
  let found: { modelDir: string; runDir?: string };
  if (isModelUri(model)) {
    context.events.log(`downloading ${model}`);
    found = { modelDir: downloadedModelDir(await downloadModel(model, join(tempDir, 'model'), registry, context)) };
  } else {
    found = modelDirOf(model);
  }
  const preprocessing = JSON.parse(readFileSync(join(found.modelDir, 'preprocessing.json'), 'utf8')) as Preprocessing;
  return { ...found, preprocessing, features: featuresFromPreprocessing(preprocessing), format: readModelFormat(found.modelDir) };
}

/** The rows of a dataset a model can be applied to, standardised with the model's own preprocessing. */
export interface InferenceData {
  /** Tensor file of the standardised inputs (targets where the data has truth, zeros otherwise). */
  tensor: string;
  /** Metadata, truth (where present) and NWP (where present) of the same rows, in the same order. */
  meta: string;
  rows: number;
  /** Rows left out because an input value was missing. */
  dropped: number;
  hasTruth: boolean;
  nwpColumns: string[];
  description: string;
  fingerprint: string;
}

/**
 * Read data files with the `csv` source and prepare them for a model, as the seed's `preprocess_test_data` did: no
 * training filters, the model's own scaler. Rows missing an input value cannot be predicted; they are left out and
 * counted. Truth and NWP columns are used where the data has them (`requireTruth` makes missing truth an error).
 */
export async function prepareInference(options: {
  engine: DataEngine;
  registry: PluginRegistry;
  context: PluginContext;
  model: ResolvedModel;
  data: string[];
  tempDir: string;
  spec?: FeatureSpec;
  requireTruth: boolean;
}): Promise<InferenceData> {
  const { engine, context, tempDir } = options;
  const { features, preprocessing } = options.model;
  const spec = options.spec ?? { profile: features.profile.map((p) => p.name), singleLevel: features.singleLevel, target: { column: features.targetColumns[0] } };
  const source = await createPlugin(options.registry, 'source', { use: 'csv', with: { paths: options.data } }, '/data/source', context);
  const opened = await source.open({ ...context, pointer: '/data/source', engine, spec });
  const data = await givenModelData(engine, context.events, opened, features, options.requireTruth);
  mkdirSync(tempDir, { recursive: true });
  const written = await writeGivenModelTensors(engine, context.events, data, preprocessing, tempDir);
  return {
    tensor: join(tempDir, 'test.f32'),
    meta: join(tempDir, 'test.meta.parquet'),
    rows: written.rows.test,
    dropped: written.dropped,
    hasTruth: written.hasTruth,
    nwpColumns: written.nwpColumns,
    description: data.description,
    fingerprint: data.fingerprint,
  };
}

/** Apply the model with a compute backend; writes `<tempDir>/predictions.parquet` (meta columns plus ML columns). */
export async function predictInference(options: {
  engine: DataEngine;
  registry: PluginRegistry;
  context: PluginContext;
  model: ResolvedModel;
  input: InferenceData;
  compute: PluginRef;
  tempDir: string;
  events: RunEvents;
  signal: AbortSignal;
}): Promise<string> {
  const backend = await createPlugin(options.registry, 'backend', options.compute, '/compute', options.context);
  const outputs = await backend.predict({ modelDir: options.model.modelDir, format: options.model.format, input: TensorFile.open(options.input.tensor), batchSize: 1024, events: options.events, signal: options.signal });
  const predictions = join(options.tempDir, 'predictions.parquet');
  await writePredictions(options.engine, options.input.meta, outputs, mlColumns(options.model.preprocessing), predictions);
  return predictions;
}
