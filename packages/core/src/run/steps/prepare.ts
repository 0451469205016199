import { isPrdError, PrdError } from '../../errors.js';
import type { ColumnInfo, Relation } from '../../data/engine.js';
import { resolveFeatures, type ResolvedFeatures } from '../../data/features.js';
import { translateReadError } from '../../data/read-errors.js';
import { selectRows } from '../../data/row-selection.js';
import type { SourceData, TableContext } from '../../plugin/contract.js';
import type { PreparedData, StepEnv } from '../context.js';

/** Group keys of an ensemble: the metadata columns other than the member column. */
export function ensembleKeys(features: ResolvedFeatures): string[] {
  return features.metadata.filter((c) => c !== features.member);
}

/** What the load step hands to the transform step: the source's rows, not yet read. */
export interface LoadedData {
  source: SourceData;
  /** The data's columns as the source yields them. */
  columns: ColumnInfo[];
}

/** The load step: open the source (nothing is read in full; the relation stays lazy). */
export async function loadData(env: StepEnv): Promise<LoadedData> {
  const spec = env.spec;
  const source = await env.instances.source.instance.open({ ...env.pluginContext, engine: env.engine, spec, pointer: env.instances.source.slot });
  return { source, columns: await env.engine.columns(source.relation) };
}

/**
 * The transform step: apply each transform, resolving the recipe's features against the columns as they are at
 * each point. The result is one lazy relation; only the positions of the rows the leading filters keep are written
 * (once per data and filters; `select: false`, for plans, writes nothing).
 */
export async function transformData(env: StepEnv, loaded: LoadedData, select = true): Promise<PreparedData> {
  const spec = env.spec;
  const base = { ...env.pluginContext, engine: env.engine, spec };
  const { source } = loaded;
  let relation: Relation = source.relation;
  let columns = loaded.columns;
  // Baseline columns may be made by a transform, so the baseline is only checked once all transforms ran.
  const resolve = (withBaseline: boolean) => {
    try {
      return resolveFeatures(withBaseline ? spec : { ...spec, baseline: false }, columns.map((c) => c.name), { domain: env.instances.domain.instance, binaryTargetMayBeMissing: !withBaseline });
    } catch (error) {
      // Say which data lacks the columns: the recipe may be right and the files wrong.
      if (!isPrdError(error)) throw error;
      const files = source.files && source.files.length <= 3 ? source.files.join(', ') : source.description;
      throw new PrdError(`${error.message}; the data read is ${files}`, error.issues);
    }
  };
  let features = resolve(false);
  // The leading transforms that only drop rows (`keeps`) are remembered as a row selection when the source numbers
  // its rows: later steps then read only the columns they need (data/row-selection.ts). Not when only planning.
  const conditions: string[] = [];
  let leading = select && source.numbered !== undefined;
  const remember = async () => {
    const selection = await selectRows(env.engine, source.numbered!, source.fingerprint, conditions, env.pluginContext.tempDir, env.cache.enabled).catch((error: unknown) => {
      throw translateReadError(error) ?? error;
    });
    env.events.log(`${selection.reused ? 'reusing the rows' : 'remembered the rows'} the leading filters kept (${selection.rows.toLocaleString('en-US')})`);
    return selection.relation;
  };
  for (const transform of env.instances.transforms) {
    const ctx: TableContext = { ...base, pointer: transform.slot, features, columns };
    if (leading && transform.instance.keeps) {
      const condition = transform.instance.keeps(ctx);
      conditions.push(condition);
      relation = { sql: `SELECT * FROM (${relation.sql}) WHERE (${condition})` };
    } else {
      if (leading && conditions.length > 0) relation = await remember();
      leading = false;
      relation = await transform.instance.apply(relation, ctx);
    }
    try {
      columns = await env.engine.columns(relation);
    } catch (error) {
      throw PrdError.of({ pointer: transform.slot, message: `transform "${transform.use}" produced an invalid query: ${(error as Error).message}` });
    }
  }
  if (leading && conditions.length > 0) relation = await remember();
  features = resolve(true);
  if (features.baseline.kind === 'ensemble-rate') {
    // Count the whole ensemble as read, before transforms drop members (the seed's data prep, §2.4, §3.4); only a
    // rate or key column made by a transform is counted after the transforms.
    const keys = ensembleKeys(features);
    const read = new Set((await env.engine.columns(source.relation)).map((c) => c.name));
    const ensemble = [features.baseline.rateColumn, ...keys].every((c) => read.has(c)) ? source.relation : relation;
    relation = env.instances.domain.instance.ensembleProbabilities(relation, features.baseline.rateColumn, features.bands, features.prefixes.nwp, keys, ensemble);
  }
  return { sql: relation.sql, features, fingerprint: source.fingerprint, description: source.description, files: source.files };
}
