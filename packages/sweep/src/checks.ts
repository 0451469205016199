import { Type } from '@sinclair/typebox';
import { applyOverride, closest, composeRecipeSchema, escapePointer, originOf, PrdError, RecipeValidator, type Issue, type Provenance, type ResolvedRecipe } from '@prd/core';
import { isEpochObjective } from './objective.js';
import { SweepSchema, type Distribution, type SweepSpec } from './schema.js';
import { SOBOL_MAX_DIMENSIONS } from './sobol.js';
import { finiteValues, formatValue, valuesToCheck } from './space.js';

/** Per-epoch metrics the training step reports (Keras names); accuracy only for band targets. */
export function epochMetrics(recipe: ResolvedRecipe['recipe']): string[] {
  const bands = recipe.data.features.target.column === undefined;
  const validation = (recipe.split.with as { validation?: unknown } | undefined)?.validation;
  const hasValidation = validation !== 0;
  const names = ['loss', ...(bands ? ['accuracy'] : [])];
  return hasValidation ? [...names, ...names.map((n) => `val_${n}`)] : names;
}

function locate(issue: Issue, provenance: Provenance): Issue {
  const origin = originOf(provenance, issue.pointer ?? '');
  if (origin?.kind === 'file') return { ...issue, file: origin.file, line: origin.line, column: origin.column };
  if (origin?.kind === 'flag') return { ...issue, origin: origin.flag };
  return issue;
}

const spacePointer = (path: string) => `/sweep/space/${escapePointer(path)}`;

/** Checks of the section itself: its shape, then what the schema cannot say (ranges, combinations). */
function sectionIssues(spec: SweepSpec): Issue[] {
  const issues: Issue[] = [];
  for (const [path, d] of Object.entries(spec.space)) {
    const at = spacePointer(path);
    if (path === 'sweep' || path.startsWith('sweep.')) issues.push({ pointer: at, message: 'a sweep cannot search its own settings' });
    if ('min' in d && 'max' in d && !(d.min < d.max)) issues.push({ pointer: at, message: `min (${d.min}) must be below max (${d.max})` });
    if (d.distribution === 'randint' && !(d.upper > (d.lower ?? 0))) issues.push({ pointer: at, message: `upper (${d.upper}) must be above lower (${d.lower ?? 0})` });
    if (spec.sampling?.method === 'grid' && !finiteValues(d)) {
      issues.push({ pointer: `${at}/distribution`, message: `grid sampling needs finite values; "${d.distribution}" is continuous: use choice, randint or quniform, or sampling "random", "sobol" or "tpe"` });
    }
  }
  const dims = Object.keys(spec.space).length;
  if (spec.sampling?.method === 'sobol' && dims > SOBOL_MAX_DIMENSIONS) issues.push({ pointer: '/sweep/sampling', message: `Sobol sampling supports at most ${SOBOL_MAX_DIMENSIONS} searched values (this sweep has ${dims})` });
  const et = spec.earlyTermination;
  if (et?.policy === 'bandit' && (et.slackFactor === undefined) === (et.slackAmount === undefined)) {
    issues.push({ pointer: '/sweep/earlyTermination', message: 'a bandit policy takes exactly one of "slackFactor" or "slackAmount"' });
  }
  if (et && !isEpochObjective(spec.objective)) {
    issues.push({ pointer: '/sweep/earlyTermination', message: `early termination compares per-epoch values, but the objective "${spec.objective.metric}" is only known at the end of a run: use a per-epoch metric such as val_loss, or remove earlyTermination` });
  }
  return issues;
}

/** Whether the objective is a metric this recipe's training or evaluators report. */
function objectiveIssues(spec: SweepSpec, resolved: ResolvedRecipe): Issue[] {
  const metric = spec.objective.metric;
  const pointer = '/sweep/objective/metric';
  if (isEpochObjective(spec.objective)) {
    const known = epochMetrics(resolved.recipe);
    if (known.includes(metric)) return [];
    const near = closest(metric, known);
    return [{ pointer, message: `training reports ${known.join(', ')} per epoch, not "${metric}"${near ? `; did you mean "${near}"?` : ''}; an end metric is a path such as test/fss/4.0/ml`, suggestion: near }];
  }
  const [split, name] = metric.split('/');
  if (split !== 'validation' && split !== 'test') {
    const near = closest(split, ['validation', 'test']);
    return [{ pointer, message: `an end metric starts with the split it is scored on, "validation" or "test", not "${split}"${near ? `; did you mean "${near}"?` : ''}` }];
  }
  const evaluators = (resolved.recipe.evaluate ?? []).map((e) => e.use);
  if (evaluators.length === 0) return [{ pointer, message: `"${metric}" is an end metric, but the recipe has no evaluators: add one to "evaluate" or use a per-epoch metric such as val_loss` }];
  // Evaluators name their metrics after themselves (fss, fss_ensemble_mean, ...); the full path is checked against the first finished trial.
  const owner = evaluators.find((e) => name === e || name?.startsWith(`${e.replace(/-/g, '_')}_`) || name === e.replace(/-/g, '_'));
  if (owner) return [];
  const near = closest(name ?? '', evaluators.map((e) => e.replace(/-/g, '_')));
  return [{ pointer, message: `no evaluator of this recipe reports "${name}" (evaluators: ${evaluators.join(', ')})${near ? `; did you mean "${split}/${near}/..."?` : ''}`, suggestion: near }];
}

/**
 * Every value the space can draw, applied to the recipe and validated against the schema composed from the
 * installed plugins: a path that does not exist or a value the option does not accept is reported before any
 * trial runs, at the sweep's line.
 */
function valueIssues(spec: SweepSpec, resolved: ResolvedRecipe, validator: RecipeValidator): Issue[] {
  const issues: Issue[] = [];
  for (const [path, d] of Object.entries(spec.space) as Array<[string, Distribution]>) {
    for (const { value, label } of valuesToCheck(d)) {
      const recipe = structuredClone(resolved.recipe) as unknown as Record<string, unknown>;
      const scratch: Provenance = new Map();
      try {
        applyOverride(recipe, scratch, `${path}=${JSON.stringify(value)}`);
      } catch (error) {
        issues.push({ pointer: spacePointer(path), message: `"${path}" is not a settable recipe path: ${(error as Error).message}` });
        break;
      }
      const problems = validator.validate(recipe, scratch);
      if (problems.length > 0) {
        const detail = problems.map((p) => `${p.pointer ?? ''}: ${p.message}`).join('; ');
        issues.push({ pointer: spacePointer(path), message: `${d.distribution} can draw ${formatValue(value)} (${label}), which the recipe does not accept: ${detail}` });
        break;
      }
    }
  }
  return issues;
}

/** The sweep section of a resolved recipe, checked against its schema, the recipe schema and the recipe's metrics. */
export function checkSweep(resolved: ResolvedRecipe): SweepSpec {
  const raw = (resolved.recipe as unknown as { sweep?: unknown }).sweep;
  const provenance = resolved.provenance;
  if (raw === undefined || raw === null) {
    throw new PrdError(`${resolved.loaded.path} has no "sweep" section: add one with "space", "objective" and "limits" (see README, Sweeps)`);
  }
  const holder = { sweep: structuredClone(raw) };
  const shape = new RecipeValidator(Type.Object({ sweep: SweepSchema }));
  let issues = shape.validate(holder, provenance);
  if (issues.length === 0) {
    const spec = holder.sweep as SweepSpec;
    issues = sectionIssues(spec);
    if (issues.length === 0) {
      const validator = new RecipeValidator(composeRecipeSchema(resolved.registry));
      issues = [...objectiveIssues(spec, resolved), ...valueIssues(spec, resolved, validator)];
    }
    issues = issues.map((i) => locate(i, provenance));
    if (issues.length === 0) return spec;
  }
  throw new PrdError(`${resolved.loaded.path}: ${issues.length} problem${issues.length > 1 ? 's' : ''} in the sweep`, issues);
}
