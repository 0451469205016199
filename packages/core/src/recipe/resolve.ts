import { tmpdir } from 'node:os';
import { PrdError, type Issue } from '../errors.js';
import { createPlugin } from '../plugin/create.js';
import { KINDS, type PluginKind, type PluginRef } from '../plugin/kinds.js';
import { RunEvents } from '../run/events.js';
import { closest } from '../suggest.js';
import { discoverPlugins } from '../plugin/discovery.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { Recipe } from './base-schema.js';
import { composeRecipeSchema } from './compose.js';
import { interpolateEnv } from './interpolate.js';
import { pointerTokens } from './json-source.js';
import { nonFiniteIssues } from './limits.js';
import { maskRecipe } from './mask.js';
import { applyEditsToValue, pendingMigrations, pluginSlotRefs } from './migrate.js';
import { loadRecipe, type LoadedRecipe } from './load.js';
import { originOf, pointersOf, type Provenance } from './provenance.js';
import { secrets as processSecrets, type Secrets } from './secrets.js';
import { RecipeValidator } from './validate.js';

/** A recipe ready to run: validated, defaults filled, every value's origin known. */
export interface ResolvedRecipe {
  /** The values the run uses (environment placeholders replaced). */
  recipe: Recipe;
  /** The same recipe as it may be shown or written: `${env:NAME}` placeholders kept. */
  display: Record<string, unknown>;
  provenance: Provenance;
  loaded: LoadedRecipe;
  registry: PluginRegistry;
  /** With `localPlugins: false`: the recipe's own plugin files, not imported, and the slots left unchecked for it. */
  skipped?: { plugins: string[]; slots: string[] };
}

/** How to resolve a recipe. */
export interface ResolveOptions {
  /** `--set path=value` overrides, applied in order. */
  overrides?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where installed plugins are looked for; default the current directory and prd's own install. */
  searchFrom?: string[];
  /** A registry to use instead of discovery (tests). */
  registry?: PluginRegistry;
  secrets?: Secrets;
  /**
   * Import the recipe's own `"plugins": ["./file.js"]` (default true). They are code and run when imported; false
   * checks the recipe without them, leaving the slots that name an unknown plugin unchecked (`skipped`).
   */
  localPlugins?: boolean;
}

function setAt(root: Record<string, unknown>, pointer: string, value: unknown): void {
  const tokens = pointerTokens(pointer);
  let node: Record<string, unknown> = root;
  for (const token of tokens.slice(0, -1)) node = node[token] as Record<string, unknown>;
  node[tokens[tokens.length - 1]] = value;
}

/** Checks the schema cannot express: a target is bands or a column, and the loss fits the task. */
function semanticIssues(recipe: Recipe): Issue[] {
  const issues: Issue[] = [];
  const target = recipe.data?.features?.target as { bands?: unknown; column?: unknown } | undefined;
  if (target && (target.bands === undefined) === (target.column === undefined)) {
    issues.push({ pointer: '/data/features/target', message: 'set exactly one of "bands" (band fractions) or "column" (regression)' });
  }
  const loss = recipe.train?.loss;
  if (target?.column !== undefined && (loss === 'kl-divergence' || loss === 'categorical-crossentropy')) {
    issues.push({ pointer: '/train/loss', message: `loss "${loss}" needs band targets; use "mse" or "mae" for a regression column` });
  }
  return issues;
}

/**
 * A band set named by the recipe must be one its data domain defines (the schema cannot list them: they come from
 * the domain plugin). A domain that is not installed or fails to create is reported when the run creates it.
 */
async function bandSetIssues(recipe: Recipe, registry: PluginRegistry, baseDir: string): Promise<Issue[]> {
  const bands = recipe.data?.features?.target?.bands;
  const ref = recipe.data?.domain ?? (registry.kinds.domain?.default as PluginRef | undefined);
  if (typeof bands !== 'string' || !ref || !registry.get('domain', ref.use)) return [];
  let sets: string[];
  try {
    const domain = await createPlugin(registry, 'domain', ref, '/data/domain', { seed: recipe.seed ?? 0, baseDir, pointer: '', events: new RunEvents(), tempDir: tmpdir() });
    sets = Object.keys(domain.instance.bandSets);
  } catch {
    return [];
  }
  if (sets.includes(bands)) return [];
  const suggestion = closest(bands, sets);
  return [{ pointer: '/data/features/target/bands', message: `unknown band set "${bands}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (the "${ref.use}" domain has: ${sets.join(', ') || 'none; give custom bands {"key": [lower, upper]}'})`, suggestion }];
}

/**
 * Load, interpolate and validate a recipe against the schema composed from the installed plugins. Every problem
 * (unknown keys, wrong types, unknown plugins, missing fields, unset variables) is reported in one PrdError.
 */
export async function resolveRecipe(file: string, options: ResolveOptions = {}): Promise<ResolvedRecipe> {
  const loaded = loadRecipe(file, options.overrides ?? []);
  const extra = Array.isArray(loaded.value.plugins) ? (loaded.value.plugins as unknown[]).filter((p): p is string => typeof p === 'string') : [];
  const importLocal = options.localPlugins ?? true;
  const registry =
    options.registry ??
    (await discoverPlugins({ searchFrom: options.searchFrom ?? [process.cwd(), loaded.dir], extra: importLocal ? extra : [], baseDir: loaded.dir }));
  migratePluginOptions(loaded, registry);
  const interpolated = interpolateEnv(loaded.value, loaded.provenance, options.env ?? process.env, options.secrets ?? processSecrets);
  const recipe = interpolated.value;
  const before = new Set(pointersOf(recipe));
  const validator = new RecipeValidator(composeRecipeSchema(registry));
  // Non-finite numbers first: ajv's integer check accepts Infinity.
  const nonFinite = nonFiniteIssues(recipe).map((i) => locate(i, loaded.provenance));
  let validation = validator.validate(recipe, loaded.provenance).filter((i) => !nonFinite.some((n) => n.pointer === i.pointer));
  // Without the recipe's own plugins, a slot naming one of them is unknown, not wrong: leave it unchecked.
  const unchecked = !importLocal && extra.length > 0 ? validation.filter((i) => /\/use$/.test(i.pointer ?? '') && /^unknown \w+ plugin "/.test(i.message)) : [];
  validation = validation.filter((i) => !unchecked.includes(i));
  const issues = [...interpolated.issues, ...nonFinite, ...validation];
  issues.push(...semanticIssues(recipe as unknown as Recipe).map((i) => locate(i, loaded.provenance)));
  if (issues.length === 0) issues.push(...(await bandSetIssues(recipe as unknown as Recipe, registry, loaded.dir)).map((i) => locate(i, loaded.provenance)));
  if (issues.length > 0) {
    throw new PrdError(`${loaded.path}: ${issues.length} problem${issues.length > 1 ? 's' : ''} in the recipe`, issues);
  }
  const provenance: Provenance = new Map(loaded.provenance);
  for (const pointer of pointersOf(recipe)) if (!before.has(pointer)) provenance.set(pointer, { kind: 'default' });
  const shown = structuredClone(recipe);
  for (const [pointer, text] of interpolated.placeholders) setAt(shown, pointer, text);
  const secrets = options.secrets ?? processSecrets;
  const display = maskRecipe(shown, recipe, validator.schema, secrets);
  // A --set flag that wrote a credential is shown (plan, errors) with the credential masked.
  for (const [pointer, origin] of provenance) if (origin.kind === 'flag') provenance.set(pointer, { ...origin, flag: secrets.redact(origin.flag) });
  const skipped = !importLocal && extra.length > 0 ? { plugins: extra, slots: unchecked.map((i) => (i.pointer ?? '').replace(/\/use$/, '')) } : undefined;
  return { recipe: recipe as unknown as Recipe, display, provenance, loaded, registry, ...(skipped ? { skipped } : {}) };
}

/**
 * Apply the option migrations the recipe's plugins declare (their renamed or removed options), in memory, as the
 * loader applies the core format's: an old recipe keeps running, and `loaded.migrated` says what `prd migrate` would
 * write.
 */
function migratePluginOptions(loaded: LoadedRecipe, registry: PluginRegistry): void {
  const slots = Object.fromEntries(Object.entries(KINDS).map(([kind, declaration]) => [declaration.slot, kind]));
  const refs = pluginSlotRefs(loaded.value, slots);
  const optionMigrations = (kind: string, use: string) => registry.get(kind as PluginKind, use)?.plugin.migrations ?? [];
  const pending = pendingMigrations({}, refs, optionMigrations);
  if (pending.length === 0) return;
  loaded.value = applyEditsToValue(loaded.value, pending.flatMap((p) => p.edits));
  for (const { migration, edits } of pending) {
    const origin = loaded.provenance.get(edits[0]?.pointer ?? '');
    loaded.migrated.push({ file: origin?.kind === 'file' ? origin.file : loaded.path, name: migration.name, description: migration.description, pointers: edits.map((e) => e.pointer) });
  }
}

function locate(issue: Issue, provenance: Provenance): Issue {
  const origin = originOf(provenance, issue.pointer ?? '');
  if (origin?.kind === 'flag') return { ...issue, origin: origin.flag };
  return origin?.kind === 'file' ? { ...issue, file: origin.file, line: origin.line, column: origin.column } : issue;
}
