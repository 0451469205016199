import type { DataEngine } from '../data/engine.js';
import type { ResolvedFeatures } from '../data/features.js';
import type { ComputeBackend, DataSource, Evaluator, Explainer, ModelBuilder, PluginContext, Rebalancer, Sampler, Tracker, Transform } from '../plugin/contract.js';
import type { Recipe } from '../recipe/base-schema.js';
import type { ResolvedRecipe } from '../recipe/resolve.js';
import type { StepCache } from './cache.js';
import type { RunEvents } from './events.js';

/** A created plugin with the facts that go into cache keys and the manifest. */
export interface Instance<T> {
  slot: string;
  use: string;
  options: Record<string, unknown>;
  package: string;
  version: string;
  instance: T;
}

/** Every plugin a recipe names, created. */
export interface Instances {
  source: Instance<DataSource>;
  transforms: Instance<Transform>[];
  sampler: Instance<Sampler>;
  rebalancer?: Instance<Rebalancer>;
  model: Instance<ModelBuilder>;
  backend: Instance<ComputeBackend>;
  trackers: Instance<Tracker>[];
  evaluators: Instance<Evaluator>[];
  explainers: Instance<Explainer>[];
}

/** What every step of a run can reach. */
export interface StepEnv {
  resolved: ResolvedRecipe;
  recipe: Recipe;
  instances: Instances;
  engine: DataEngine;
  cache: StepCache;
  events: RunEvents;
  signal: AbortSignal;
  /** Base plugin context (seed, baseDir, tempDir); `pointer` is set per plugin. */
  pluginContext: PluginContext;
}

/** The dataset after load and transforms, before it is split: still a lazy relation. */
export interface PreparedData {
  sql: string;
  features: ResolvedFeatures;
  fingerprint: string;
  description: string;
  files?: string[];
}

/** Cache key facts of a plugin instance. */
export function instanceKey(i: Instance<unknown>): Record<string, unknown> {
  return { use: i.use, options: i.options, package: i.package, version: i.version };
}
