import { hashOf } from '../hash.js';
import type { Recipe } from '../recipe/base-schema.js';
import { instanceKey, type Instances } from './context.js';

/** Bump when the layout of cached step outputs changes, so old entries are not misread. */
export const CACHE_FORMAT = 1;

/**
 * Bump when the prepared data differ for the same source and recipe, so cached splits from before are redone.
 * 2: NWP band probabilities from `baseline.ensembleRate` count the whole ensemble, before transforms drop members.
 */
export const DATA_VERSION = 2;

/**
 * Bump when training gives other weights for the same inputs, so cached models from before are retrained.
 * 2: seeded Dropout draws a new mask at every step (it repeated one mask before).
 * 3: a regression target trains with the mean absolute error by default (it was the mean squared error).
 */
export const TRAINING_VERSION = 3;

/** Content keys of every cacheable step: each depends on its inputs' keys, its options and its plugins' versions. */
export interface StepKeys {
  data: string;
  split: string;
  rebalance?: string;
  scale: string;
  train: string;
  predict: string;
  evaluate: string;
  explain: string;
}

/** Compute the step keys of a run from the recipe, the plugins and the source's data fingerprint. */
export function stepKeys(recipe: Recipe, instances: Instances, fingerprint: string): StepKeys {
  const data = hashOf({ format: CACHE_FORMAT, version: DATA_VERSION, source: instanceKey(instances.source), fingerprint, transforms: instances.transforms.map(instanceKey), features: recipe.data.features });
  const split = hashOf({ data, sampler: instanceKey(instances.sampler), seed: recipe.seed });
  const rebalance = instances.rebalancer ? hashOf({ split, rebalancer: instanceKey(instances.rebalancer), seed: recipe.seed }) : undefined;
  const scale = hashOf({ format: CACHE_FORMAT, split, rebalance, seed: recipe.seed });
  const train = hashOf({ version: TRAINING_VERSION, scale, model: instanceKey(instances.model), train: recipe.train, seed: recipe.seed, backend: instanceKey(instances.backend) });
  const predict = hashOf({ train, scale });
  const evaluate = hashOf({ predict, evaluators: instances.evaluators.map(instanceKey) });
  const explain = hashOf({ train, scale, explainers: instances.explainers.map(instanceKey), seed: recipe.seed });
  return { data, split, rebalance, scale, train, predict, evaluate, explain };
}
