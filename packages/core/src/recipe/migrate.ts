import { applyEdits, findNodeAtLocation, modify, parseTree, type Edit, type FormattingOptions, type JSONPath } from 'jsonc-parser';
import { PrdError } from '../errors.js';
import { escapePointer, pointerTokens } from './json-source.js';
import { CORE_MIGRATIONS, RECIPE_FORMAT } from './migrations/core.js';
import type { MigrationEdit, OptionMigration, RecipeMigration } from './migrations/types.js';

/** One migration as it applies to one recipe. */
export interface AppliedMigration {
  name: string;
  description: string;
  /** Where it changed the recipe (JSON pointers as written before the change). */
  pointers: string[];
}

/** A slot of the recipe that holds `{ use, with }` plugin references: its pointer and plugin kind. */
export interface PluginSlotRef {
  pointer: string;
  kind: string;
  use: string;
  options: Record<string, unknown>;
}

/** How `prd migrate` finds plugin migrations: the option migrations of the plugin a reference uses. */
export type OptionMigrationsOf = (kind: string, use: string) => readonly OptionMigration[];

/** What migrating a recipe text gives. */
export interface MigratedText {
  text: string;
  /** The format the recipe declared (1 when it says nothing). */
  from: number;
  to: number;
  applied: AppliedMigration[];
  changed: boolean;
}

/** The format version a recipe declares in its `prd` key; recipes from before versioning are format 1. */
export function recipeFormatOf(recipe: Record<string, unknown>, file = 'the recipe'): number {
  const declared = recipe.prd;
  if (declared === undefined) return 1;
  const version = typeof declared === 'string' || typeof declared === 'number' ? Number(declared) : Number.NaN;
  if (!Number.isInteger(version) || version < 1) throw new PrdError(`${file}: "prd" must be a recipe format version such as "${RECIPE_FORMAT}", not ${JSON.stringify(declared)}`);
  if (version > RECIPE_FORMAT) {
    throw new PrdError(`${file} is written for recipe format ${version}, newer than this prd reads (${RECIPE_FORMAT}); upgrade prd (npm install @prd/cli@latest)`);
  }
  return version;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function prefixed(prefix: string, edits: MigrationEdit[]): MigrationEdit[] {
  return edits.map((e) => ({ ...e, pointer: `${prefix}${e.pointer}` }));
}

/** Every migration that has something to do in `recipe`, with its edits, core migrations first. */
export function pendingMigrations(
  recipe: Record<string, unknown>,
  slots: PluginSlotRef[] = [],
  optionMigrations: OptionMigrationsOf = () => [],
): Array<{ migration: Pick<RecipeMigration, 'name' | 'description'>; edits: MigrationEdit[] }> {
  const from = recipeFormatOf(recipe);
  const pending: Array<{ migration: Pick<RecipeMigration, 'name' | 'description'>; edits: MigrationEdit[] }> = [];
  for (const migration of CORE_MIGRATIONS) {
    if (migration.to <= from) continue;
    const edits = migration.edits(recipe);
    if (edits.length > 0) pending.push({ migration, edits });
  }
  for (const slot of slots) {
    for (const migration of optionMigrations(slot.kind, slot.use)) {
      const edits = migration.edits(slot.options);
      if (edits.length > 0) pending.push({ migration, edits: prefixed(`${slot.pointer}/with`, edits) });
    }
  }
  return pending;
}

/** Apply edits to a plain JSON value (in memory: how older recipes are read). */
export function applyEditsToValue(value: Record<string, unknown>, edits: MigrationEdit[]): Record<string, unknown> {
  const copy = structuredClone(value);
  for (const edit of edits) {
    const tokens = pointerTokens(edit.pointer);
    const last = tokens.pop();
    let parent: unknown = copy;
    for (const t of tokens) parent = isObject(parent) || Array.isArray(parent) ? (parent as Record<string, unknown>)[t] : undefined;
    if (last === undefined || !(isObject(parent) || Array.isArray(parent))) continue;
    const holder = parent as Record<string, unknown>;
    if ('rename' in edit) {
      // Rebuild the object so the renamed key keeps its place among its siblings.
      const entries = Object.entries(holder).map(([k, v]) => [k === last ? edit.rename : k, v] as const);
      for (const k of Object.keys(holder)) delete holder[k];
      for (const [k, v] of entries) holder[k] = v;
    } else if ('remove' in edit) {
      if (Array.isArray(holder)) holder.splice(Number(last), 1);
      else delete holder[last];
    } else {
      holder[last] = edit.value;
    }
  }
  return copy;
}

function formattingOf(text: string): FormattingOptions {
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  return { insertSpaces: !indent.includes('\t'), tabSize: indent.includes('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

function pathOf(pointer: string): JSONPath {
  return pointerTokens(pointer).map((t) => (/^\d+$/.test(t) ? Number(t) : t));
}

/**
 * Apply edits to recipe text, changing only the bytes each edit is about: a renamed key is rewritten in place,
 * a replaced value keeps its neighbours' formatting (jsonc-parser's edit operations).
 */
export function applyEditsToText(text: string, edits: MigrationEdit[]): string {
  let out = text;
  const formattingOptions = formattingOf(text);
  for (const edit of edits) {
    const path = pathOf(edit.pointer);
    if ('rename' in edit) {
      const tree = parseTree(out);
      const valueNode = tree ? findNodeAtLocation(tree, path) : undefined;
      const keyNode = valueNode?.parent?.type === 'property' ? valueNode.parent.children?.[0] : undefined;
      if (!keyNode) continue;
      const rename: Edit = { offset: keyNode.offset, length: keyNode.length, content: JSON.stringify(edit.rename) };
      out = applyEdits(out, [rename]);
    } else {
      out = applyEdits(out, modify(out, path, 'remove' in edit ? undefined : edit.value, { formattingOptions }));
    }
  }
  return out;
}

/**
 * Migrate a recipe's text to the current format: every pending migration's edits, then `"prd"` set to the current
 * format (inserted after `$schema`, or first). Text that needs nothing is returned unchanged.
 */
export function migrateRecipeText(text: string, file: string, slotsOf: (value: Record<string, unknown>) => PluginSlotRef[] = () => [], optionMigrations?: OptionMigrationsOf): MigratedText {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PrdError(`${file} is not valid JSON (${(error as Error).message}); prd validate ${file} shows where`);
  }
  if (!isObject(value)) throw new PrdError(`${file} is not a recipe: its top level must be a JSON object`);
  // A JSON Schema (recipes/recipe.schema.json matches recipes/*.json too) or other JSON is left alone.
  if (typeof value.name !== 'string' && value.extends === undefined) throw new PrdError(`${file} is not a recipe (it has neither "name" nor "extends"); prd migrate rewrites recipes only`);
  const from = recipeFormatOf(value, file);
  const pending = pendingMigrations(value, slotsOf(value), optionMigrations);
  const applied = pending.map(({ migration, edits }) => ({ name: migration.name, description: migration.description, pointers: edits.map((e) => e.pointer) }));
  let out = applyEditsToText(text, pending.flatMap((p) => p.edits));
  if (from < RECIPE_FORMAT || (pending.length > 0 && value.prd !== String(RECIPE_FORMAT))) {
    const keys = Object.keys(value);
    const insertAt = 'prd' in value ? keys.indexOf('prd') : keys[0] === '$schema' ? 1 : 0;
    out = applyEdits(out, modify(out, ['prd'], String(RECIPE_FORMAT), { formattingOptions: formattingOf(text), getInsertionIndex: () => insertAt }));
  }
  return { text: out, from, to: RECIPE_FORMAT, applied, changed: out !== text };
}

/** The plugin references of a recipe (plain JSON), from a slot table of pointer -> kind (lists expand to items). */
export function pluginSlotRefs(recipe: Record<string, unknown>, slots: Record<string, string>): PluginSlotRef[] {
  const refs: PluginSlotRef[] = [];
  const at = (pointer: string): unknown => pointerTokens(pointer).reduce<unknown>((node, t) => (isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[t] : undefined), recipe);
  for (const [pointer, kind] of Object.entries(slots)) {
    const node = at(pointer);
    const items: Array<[string, unknown]> = Array.isArray(node) ? node.map((n, i) => [`${pointer}/${escapePointer(i)}`, n]) : [[pointer, node]];
    for (const [p, ref] of items) {
      if (isObject(ref) && typeof ref.use === 'string') refs.push({ pointer: p, kind, use: ref.use, options: isObject(ref.with) ? ref.with : {} });
    }
  }
  return refs;
}

export { RECIPE_FORMAT, CORE_MIGRATIONS };
export type { MigrationEdit, OptionMigration, RecipeMigration };
