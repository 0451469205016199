import { join, resolve } from 'node:path';
import { DataEngine } from '../data/engine.js';
import type { FeatureSpec } from '../data/features.js';
import type { ResolvedRecipe } from '../recipe/resolve.js';
import { StepCache } from './cache.js';
import { RunEvents, type StepName } from './events.js';
import { createInstances, manifestPlugins } from './instances.js';
import { stepKeys } from './keys.js';

/** One step as `prd plan` shows it. */
export interface PlanStep {
  name: StepName;
  /** Cache key, for cached steps. */
  key?: string;
  /** `cached` (will be reused), `run` (will be computed), `lazy` (computed inside a later step) or `skip`. */
  state: 'cached' | 'run' | 'lazy' | 'skip';
  note?: string;
}

/** What a run of a recipe would do, without doing it. */
export interface RunPlan {
  data: { description: string; fingerprint: string };
  plugins: ReturnType<typeof manifestPlugins>;
  steps: PlanStep[];
}

/**
 * Plan a run: create the plugins, open the source (to fingerprint the data; nothing is read in full), compute every
 * step's cache key and look each up. A step whose inputs changed invalidates every step after it.
 */
export async function planRun(resolved: ResolvedRecipe, options: { cacheDir?: string } = {}): Promise<RunPlan> {
  const { recipe, registry, loaded } = resolved;
  const cacheRoot = resolve(options.cacheDir ?? join('.prd', 'cache'));
  const events = new RunEvents();
  const tempDir = join(cacheRoot, '..', 'tmp');
  const base = { seed: recipe.seed, baseDir: loaded.dir, pointer: '', events, tempDir };
  const instances = await createInstances(recipe, registry, base);
  const engine = await DataEngine.open({ tempDir: join(tempDir, 'duckdb') });
  try {
    const source = await instances.source.instance.open({ ...base, pointer: instances.source.slot, engine, spec: recipe.data.features as FeatureSpec });
    const keys = stepKeys(recipe, instances, source.fingerprint);
    const cache = new StepCache(cacheRoot);
    let invalid = false;
    const cached = (name: StepName, key: string, note?: string): PlanStep => {
      const hit = !invalid && cache.lookup(name, key) !== undefined;
      if (!hit) invalid = true;
      return { name, key, state: hit ? 'cached' : 'run', note };
    };
    const steps: PlanStep[] = [
      { name: 'load', state: 'lazy', note: source.description },
      { name: 'transform', state: 'lazy', note: instances.transforms.map((t) => t.use).join(', ') || 'none' },
      cached('split', keys.split, instances.sampler.use),
      keys.rebalance ? cached('rebalance', keys.rebalance, instances.rebalancer?.use) : { name: 'rebalance', state: 'skip', note: 'no "rebalance"' },
      cached('scale', keys.scale),
      cached('train', keys.train, `${instances.model.use} on ${instances.backend.instance.describe()}`),
    ];
    const afterTrain = invalid;
    steps.push(cached('predict', keys.predict));
    steps.push(instances.evaluators.length > 0 ? cached('evaluate', keys.evaluate, instances.evaluators.map((e) => e.use).join(', ')) : { name: 'evaluate', state: 'skip', note: 'no "evaluate"' });
    invalid = afterTrain;
    steps.push(instances.explainers.length > 0 ? cached('explain', keys.explain, instances.explainers.map((e) => e.use).join(', ')) : { name: 'explain', state: 'skip', note: 'no "explain"' });
    steps.push({ name: 'report', state: 'run', note: 'always rendered from the run directory' });
    return { data: { description: source.description, fingerprint: source.fingerprint }, plugins: manifestPlugins(instances), steps };
  } finally {
    engine.close();
  }
}
