import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedFeatures } from '../data/features.js';
import { PrdError, type Issue } from '../errors.js';
import type { KindInstances, PluginContext, PluginKind } from '../plugin/contract.js';
import { createPlugin as createInstance } from '../plugin/create.js';

/** {@link createPlugin}, with the facts the steps key on and the manifest records (slot, options, package, version). */
export { createInstance };
import type { PluginRegistry } from '../plugin/registry.js';
import type { PluginRef } from '../recipe/base-schema.js';
import { readModelFormat } from './mlmodel.js';
import { featuresFromPreprocessing, type Preprocessing } from './preprocessing.js';

/** Create a plugin from the registry with its options' defaults applied and checked, as a recipe would. */
export async function createPlugin<K extends PluginKind>(registry: PluginRegistry, kind: K, ref: PluginRef, pointer: string, context: PluginContext): Promise<KindInstances[K]> {
  return (await createInstance(registry, kind, ref, pointer, context)).instance;
}

/** A tracker model URI (`runs:/…`, `models:/…`, any `scheme:/…`) rather than a path on disk. */
export function isModelUri(model: string): boolean {
  // azureml:<name>:<version> (a workspace model) has no slash after its scheme.
  return (/^[a-z][a-z0-9+.-]*:\//i.test(model) || /^azureml:[^/]/.test(model)) && !/^[a-z]:[\\/]/i.test(model) && !existsSync(model);
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
