import type { DataEngine } from '../data/engine.js';
import type { ResolvedFeatures } from '../data/features.js';
import type { PluginContext } from '../plugin/contract.js';
import type { Instance, Instances } from './instances.js';
import type { Recipe } from '../recipe/base-schema.js';
import type { ResolvedRecipe } from '../recipe/resolve.js';
import type { StepCache } from './cache.js';
import type { RunEvents } from './events.js';

/** A created plugin, and every plugin a recipe names (one field per kind of the kinds table). */
export type { Instance, Instances } from './instances.js';

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
