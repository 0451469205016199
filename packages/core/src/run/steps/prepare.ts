import { isPrdError, PrdError } from '../../errors.js';
import type { Relation } from '../../data/engine.js';
import { resolveFeatures, type FeatureSpec, type ResolvedFeatures } from '../../data/features.js';
import { withNwpBandProbabilities } from '../../data/nwp.js';
import type { TableContext } from '../../plugin/contract.js';
import type { PreparedData, StepEnv } from '../context.js';

/** Group keys of an ensemble: the metadata columns other than the member column. */
export function ensembleKeys(features: ResolvedFeatures): string[] {
  return features.metadata.filter((c) => c !== 'realization');
}

/**
 * The load and transform steps: open the source and apply each transform, resolving the recipe's features against
 * the columns as they are at each point. Nothing is materialised here: the result is one lazy relation that the
 * split step runs once.
 */
export async function prepareData(env: StepEnv): Promise<PreparedData> {
  const spec = env.recipe.data.features as FeatureSpec;
  const base = { ...env.pluginContext, engine: env.engine, spec };
  const source = await env.instances.source.instance.open({ ...base, pointer: env.instances.source.slot });
  let relation: Relation = source.relation;
  let columns = await env.engine.columns(relation);
  // Baseline columns may be made by a transform, so the baseline is only checked once all transforms ran.
  const resolve = (withBaseline: boolean) => {
    try {
      return resolveFeatures(withBaseline ? spec : { ...spec, baseline: false }, columns.map((c) => c.name), undefined, { binaryTargetMayBeMissing: !withBaseline });
    } catch (error) {
      // Say which data lacks the columns: the recipe may be right and the files wrong.
      if (!isPrdError(error)) throw error;
      const files = source.files && source.files.length <= 3 ? source.files.join(', ') : source.description;
      throw new PrdError(`${error.message}; the data read is ${files}`, error.issues);
    }
  };
  let features = resolve(false);
  for (const transform of env.instances.transforms) {
    const ctx: TableContext = { ...base, pointer: transform.slot, features, columns };
    relation = await transform.instance.apply(relation, ctx);
    try {
      columns = await env.engine.columns(relation);
    } catch (error) {
      throw PrdError.of({ pointer: transform.slot, message: `transform "${transform.use}" produced an invalid query: ${(error as Error).message}` });
    }
  }
  features = resolve(true);
  if (features.baseline.kind === 'ensemble-rate') {
    // Count the whole ensemble as read, before transforms drop members (the seed's data prep, §2.4, §3.4); only a
    // rate or key column made by a transform is counted after the transforms.
    const keys = ensembleKeys(features);
    const read = new Set((await env.engine.columns(source.relation)).map((c) => c.name));
    const ensemble = [features.baseline.rateColumn, ...keys].every((c) => read.has(c)) ? source.relation : relation;
    relation = withNwpBandProbabilities(relation, features.baseline.rateColumn, features.bands, features.prefixes.nwp, keys, ensemble);
  }
  return { sql: relation.sql, features, fingerprint: source.fingerprint, description: source.description, files: source.files };
}
