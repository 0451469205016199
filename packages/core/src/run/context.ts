import type { DataEngine } from '../data/engine.js';
import type { ResolvedFeatures } from '../data/features.js';
import type { PluginContext } from '../plugin/contract.js';
import type { FeatureSpec } from '../data/features.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { TrainConfig } from '../recipe/base-schema.js';
import type { Instance, Instances } from './instances.js';
import type { StepCache } from './cache.js';
import type { RunEvents } from './events.js';

/** A created plugin, and every plugin a recipe names (one field per kind of the kinds table). */
export type { Instance, Instances } from './instances.js';

/**
 * The plugins the steps use. A run has them all; scoring a given model (`prd evaluate`) has no sampler and no model
 * plugin, since it neither splits nor trains.
 */
export type StepInstances = Omit<Instances, 'sampler' | 'model'> & Partial<Pick<Instances, 'sampler' | 'model'>>;

/** What every step of a run can reach. */
export interface StepEnv {
  registry: PluginRegistry;
  seed: number;
  /** The recipe's `data.features` as written. */
  spec: FeatureSpec;
  /** The recipe's training settings (predict takes its batch size from them). */
  train: TrainConfig;
  instances: StepInstances;
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

/** A plugin the step needs that this kind of run has not got (a bug, not a user error). */
export function required<T>(instance: Instance<T> | undefined, what: string): Instance<T> {
  if (!instance) throw new Error(`this run has no ${what} plugin`);
  return instance;
}
