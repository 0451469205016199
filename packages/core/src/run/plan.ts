import { join, resolve } from 'node:path';
import { DataEngine } from '../data/engine.js';
import type { FeatureSpec } from '../data/features.js';
import type { ResolvedRecipe } from '../recipe/resolve.js';
import { StepCache } from './cache.js';
import { spillDir, tempDirBeside } from './temp-dirs.js';
import type { StepEnv } from './context.js';
import { RunEvents, type StepName } from './events.js';
import type { GraphContext, StepDef } from './graph.js';
import { createInstances, manifestPlugins } from './instances.js';
import { inputDigests, plainDigest, stepKey } from './keys.js';
import { fromSummary, setResult } from './timeline.js';
import { STEPS } from './steps/table.js';

/** One step as `prd plan` shows it. */
export interface PlanStep {
  name: StepName;
  /** Cache key, for cached steps whose inputs are known now (their inputs are cached too). */
  key?: string;
  /** `cached` (will be reused), `run` (will be computed), `lazy` (a lazy query a later step runs) or `skip`. */
  state: 'cached' | 'run' | 'lazy' | 'skip';
  /** The steps it reads. */
  reads: StepName[];
  note?: string;
}

/** What a run of a recipe would do, without doing it. */
export interface RunPlan {
  data: { description: string; fingerprint: string };
  plugins: ReturnType<typeof manifestPlugins>;
  steps: PlanStep[];
}

/** A step's skip reason, or undefined when it applies; `unknown` when that depends on a step that has not run. */
function skipReason(g: GraphContext, def: StepDef<StepName>): string | undefined | 'unknown' {
  try {
    return def.skip?.(g);
  } catch {
    return 'unknown';
  }
}

/**
 * Plan a run from the step table: run the lazy steps (open the source, apply transforms; nothing is read in full),
 * then walk the table. A cached step whose inputs are all known is looked up by its key; a step that will run makes
 * the digest of its output unknown, so every step that reads it will run too.
 */
export async function planRun(resolved: ResolvedRecipe, options: { cacheDir?: string } = {}): Promise<RunPlan> {
  const { recipe, registry, loaded } = resolved;
  const cacheRoot = resolve(options.cacheDir ?? join('.prd', 'cache'));
  const events = new RunEvents();
  const tempDir = tempDirBeside(cacheRoot);
  const pluginContext = { seed: recipe.seed, baseDir: loaded.dir, pointer: '', events, tempDir };
  const instances = await createInstances(recipe, registry, pluginContext);
  const engine = await DataEngine.open({ tempDir: spillDir(tempDir) });
  const cache = new StepCache(cacheRoot);
  const signal = new AbortController().signal;
  try {
    const env: StepEnv = { registry, seed: recipe.seed, spec: recipe.data.features as FeatureSpec, train: recipe.train, instances, engine, cache, events, signal, pluginContext };
    const g: GraphContext = { env, results: {}, resume: false, sentEpochs: new Set(), report: async () => [] };
    const steps: PlanStep[] = [];
    for (const def of STEPS) {
      const reads = [...def.reads];
      const reason = skipReason(g, def);
      if (reason !== undefined && reason !== 'unknown') {
        setResult(g, def.name, { skipped: reason });
        steps.push({ name: def.name, state: 'skip', reads, note: reason });
        continue;
      }
      const note = def.detail?.(env);
      if (!def.cached) {
        if (def.plannable && inputDigests(g, def.reads)) {
          const value = await def.run(g, '');
          setResult(g, def.name, { value, digest: plainDigest(g, def, value), cached: false });
          steps.push({ name: def.name, state: 'lazy', reads, note });
        } else {
          steps.push({ name: def.name, state: 'run', reads, note: note ?? 'runs every time' });
        }
        continue;
      }
      const key = reason === 'unknown' ? undefined : stepKey(g, def);
      const hit = key ? cache.lookup(def.name, key) : undefined;
      if (key && hit) {
        const dir = cache.entryDir(def.name, key);
        setResult(g, def.name, { value: fromSummary(def.name, hit.summary), dir, digest: hit.digest, cached: true });
      }
      steps.push({ name: def.name, key, state: hit ? 'cached' : 'run', reads, note });
    }
    const load = g.results.load && 'value' in g.results.load ? g.results.load.value.source : undefined;
    return { data: { description: load?.description ?? '', fingerprint: load?.fingerprint ?? '' }, plugins: manifestPlugins(instances), steps };
  } finally {
    engine.close();
  }
}
