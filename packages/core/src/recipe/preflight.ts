import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataEngine } from '../data/engine.js';
import { resolveFeatures, type FeatureSpec, type ResolvedFeatures } from '../data/features.js';
import { isPrdError, type Issue } from '../errors.js';
import type { ModelShape, PluginContext } from '../plugin/contract.js';
import { createPlugin } from '../plugin/create.js';
import { defaultRef } from '../plugin/kinds.js';
import { RunEvents } from '../run/events.js';
import { originOf } from './provenance.js';
import type { ResolvedRecipe } from './resolve.js';

/** What a preflight learnt, besides its issues: shown by `prd validate`. */
export interface PreflightResult {
  issues: Issue[];
  /** The data as its source describes it ("2 CSV files under data/"); absent when the source cannot tell without reading. */
  data?: string;
  /** The model's input and output shape, when the features resolved. */
  shape?: ModelShape;
  /** Checks that were not made, and why (a source without an outline). */
  skipped: string[];
}

/**
 * Check what can be checked without running: the source's paths match files (the source says which is nearest),
 * the columns the recipe names are in the data's header (no row is read), and the model builds for the shape of
 * those features. The baseline's columns are checked only when no transform could derive them.
 */
export async function preflight(resolved: ResolvedRecipe): Promise<PreflightResult> {
  const { recipe, registry, loaded, provenance } = resolved;
  const tempDir = mkdtempSync(join(tmpdir(), 'prd-preflight-'));
  const context: PluginContext = { seed: recipe.seed, baseDir: loaded.dir, pointer: '', events: new RunEvents(), tempDir };
  const located = (issue: Issue): Issue => {
    const origin = originOf(provenance, issue.pointer ?? '');
    const said = issue.suggestion && !issue.message.includes(`"${issue.suggestion}"`) ? `${issue.message}; did you mean "${issue.suggestion}"?` : issue.message;
    const file = origin?.kind === 'file' ? { file: origin.file, line: origin.line, column: origin.column } : {};
    return { ...issue, message: said, ...file };
  };
  const result: PreflightResult = { issues: [], skipped: [] };
  const fail = (error: unknown, fallback: Issue): PreflightResult => {
    const issues = isPrdError(error) ? (error.issues.length > 0 ? error.issues : [{ ...fallback, message: error.message }]) : [{ ...fallback, message: `${fallback.message}: ${(error as Error).message}` }];
    return { ...result, issues: issues.map(located) };
  };
  const engine = await DataEngine.open({ tempDir });
  try {
    const sourceRef = recipe.data.source;
    const source = await createPlugin(registry, 'source', sourceRef, '/data/source', { ...context, pointer: '/data/source' });
    if (!source.instance.outline) {
      result.skipped.push(`paths and columns: the "${sourceRef.use}" source cannot tell its columns without reading its data`);
      return result;
    }
    const domainRef = recipe.data.domain ?? (registry.kinds.domain?.default !== undefined ? defaultRef('domain', registry.kinds) : undefined);
    const domain = domainRef ? (await createPlugin(registry, 'domain', domainRef, '/data/domain', { ...context, pointer: '/data/domain' })).instance : undefined;
    const spec = recipe.data.features as FeatureSpec;
    let columns: string[];
    try {
      const outline = await source.instance.outline({ ...context, pointer: '/data/source', engine, spec });
      columns = outline.columns;
      result.data = outline.description;
    } catch (error) {
      return fail(error, { pointer: '/data/source', message: `the "${sourceRef.use}" source could not read its data's header` });
    }
    // Transforms may derive the baseline's columns, so those are checked only when there is no transform.
    const withBaseline = (recipe.data.transforms ?? []).length === 0;
    let features: ResolvedFeatures;
    try {
      // Transforms may also make a binary target (binary-target), so it may be missing from the files then.
      features = resolveFeatures(withBaseline ? spec : { ...spec, baseline: false }, columns, { domain, pointer: '/data/features', binaryTargetMayBeMissing: !withBaseline });
    } catch (error) {
      return fail(error, { pointer: '/data/features', message: 'the features do not match the data' });
    }
    const shape: ModelShape = { heights: features.heights.length, profileFeatures: features.profile.length, singleLevel: features.singleLevel.length, outputs: features.targetColumns.length, task: features.task };
    result.shape = shape;
    const backendRef = recipe.compute ?? defaultRef('backend', registry.kinds);
    const backend = await createPlugin(registry, 'backend', backendRef, '/compute', { ...context, pointer: '/compute' });
    if (!backend.instance.checkModel) {
      result.skipped.push(`the model's shape: the "${backendRef.use}" backend cannot build a model without training it`);
      return result;
    }
    try {
      const model = await createPlugin(registry, 'model', recipe.model, '/model', { ...context, pointer: '/model' });
      await backend.instance.checkModel(model.instance, shape);
    } catch (error) {
      if (isPrdError(error)) return fail(error, { pointer: '/model', message: '' });
      const described = `${shape.heights} heights x ${shape.profileFeatures} profile features, ${shape.singleLevel} single-level, ${shape.outputs} outputs`;
      return { ...result, issues: [located({ pointer: '/model', message: `the "${recipe.model.use}" model does not fit the features (${described}): ${(error as Error).message}` })] };
    }
    return result;
  } finally {
    engine.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
}
