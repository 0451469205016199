import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PrdError, type Issue } from '../errors.js';
import { escapePointer, parseJsonSource } from './json-source.js';
import { forgetBelow, pointersOf, type Provenance } from './provenance.js';
import { forbiddenKeyIssues, MAX_EXTENDS_CHAIN } from './limits.js';
import { applyOverride } from './overrides.js';
import { applyEditsToValue, pendingMigrations, RECIPE_FORMAT, type AppliedMigration } from './migrate.js';

/** A recipe as read from its file(s) and flags, before interpolation and validation. */
export interface LoadedRecipe {
  /** The recipe file that was asked for. */
  path: string;
  /** Its directory; relative paths in the recipe resolve against it. */
  dir: string;
  /** The merged recipe (parents first, then the file, then `--set` overrides). */
  value: Record<string, unknown>;
  /** Where every value came from. */
  provenance: Provenance;
  /** Every recipe file read, the asked-for file last. */
  files: string[];
  /** Migrations applied while reading files of an older recipe format (`prd migrate` would write them). */
  migrated: MigratedFile[];
}

/** One migration applied to one recipe file as it was read. */
export interface MigratedFile extends AppliedMigration {
  file: string;
}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Merge `child` over `parent`: objects merge key by key; arrays and scalars replace. A plugin slot whose `use`
 * changes is replaced as a whole, so the old plugin's options do not leak into the new one.
 */
function mergeInto(target: Record<string, Json>, source: Record<string, Json>, pointer: string, provenance: Provenance, sourceProvenance: Provenance): void {
  const replacesPlugin = 'use' in source && 'use' in target && source.use !== target.use;
  if (replacesPlugin) {
    for (const key of Object.keys(target)) if (!(key in source)) delete target[key];
    for (const key of [...provenance.keys()]) if (key.startsWith(`${pointer}/`)) provenance.delete(key);
  }
  for (const [key, value] of Object.entries(source)) {
    const childPointer = `${pointer}/${escapePointer(key)}`;
    const existing = target[key];
    if (isObject(existing) && isObject(value)) {
      const own = sourceProvenance.get(childPointer);
      if (own) provenance.set(childPointer, own);
      mergeInto(existing, value, childPointer, provenance, sourceProvenance);
      continue;
    }
    target[key] = structuredClone(value);
    forgetBelow(provenance, childPointer);
    for (const p of pointersOf(value, childPointer)) {
      const origin = sourceProvenance.get(p);
      if (origin) provenance.set(p, origin);
    }
  }
}

function readRecipeFile(path: string, issues: Issue[]): Loaded | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    issues.push({ file: path, message: code === 'ENOENT' ? 'recipe file not found' : `cannot read recipe file (${code ?? (error as Error).message})` });
    return undefined;
  }
  const parsed = parseJsonSource(text, path);
  if (parsed.issues.length > 0) {
    issues.push(...parsed.issues);
    return undefined;
  }
  if (!isObject(parsed.value)) {
    issues.push({ file: path, line: 1, column: 1, message: 'a recipe must be a JSON object' });
    return undefined;
  }
  const forbidden = forbiddenKeyIssues(parsed.value);
  if (forbidden.length > 0) {
    issues.push(...forbidden.map((i) => ({ ...i, file: path, line: parsed.positions.get(i.pointer ?? '')?.line, column: parsed.positions.get(i.pointer ?? '')?.column })));
    return undefined;
  }
  const provenance: Provenance = new Map();
  for (const [pointer, pos] of parsed.positions) provenance.set(pointer, { kind: 'file', file: path, line: pos.line, column: pos.column });
  // An older recipe format is read as it is, migrated in memory; `prd migrate` writes the same change to the file.
  let pending: ReturnType<typeof pendingMigrations>;
  try {
    pending = pendingMigrations(parsed.value);
  } catch (error) {
    if (!(error instanceof PrdError)) throw error;
    issues.push({ file: path, pointer: '/prd', line: parsed.positions.get('/prd')?.line, message: error.message });
    return undefined;
  }
  if (pending.length === 0) return { value: parsed.value, provenance, migrated: [] };
  const edits = pending.flatMap((p) => p.edits);
  for (const edit of edits) {
    if (!('rename' in edit)) continue;
    // The renamed key (and everything below it) keeps its file and line under the new name.
    const renamed = `${edit.pointer.slice(0, edit.pointer.lastIndexOf('/'))}/${escapePointer(edit.rename)}`;
    for (const [pointer, origin] of [...provenance]) {
      if (pointer === edit.pointer || pointer.startsWith(`${edit.pointer}/`)) provenance.set(renamed + pointer.slice(edit.pointer.length), origin);
    }
  }
  const migrated = pending.map(({ migration, edits: e }) => ({ file: path, name: migration.name, description: migration.description, pointers: e.map((x) => x.pointer) }));
  return { value: applyEditsToValue(parsed.value, edits), provenance, migrated };
}

type Loaded = { value: Record<string, Json>; provenance: Provenance; migrated: MigratedFile[] };

/**
 * Load a file and, first, the files it extends. Each file is read and merged once per load (`done`), so a diamond
 * of parents costs one read per file rather than one per path to it.
 */
function loadWithParents(path: string, chain: string[], issues: Issue[], files: string[], done: Map<string, Loaded | undefined>): Loaded | undefined {
  if (chain.includes(path)) {
    issues.push({ file: chain[chain.length - 1], pointer: '/extends', message: `"extends" makes a cycle: ${[...chain, path].join(' -> ')}` });
    return undefined;
  }
  if (chain.length >= MAX_EXTENDS_CHAIN) {
    issues.push({ file: chain[chain.length - 1], pointer: '/extends', message: `the "extends" chain is longer than ${MAX_EXTENDS_CHAIN} files (${chain[0]} -> ... -> ${path}); merge some of them` });
    return undefined;
  }
  if (done.has(path)) return done.get(path);
  const loaded = loadOnce(path, chain, issues, files, done);
  done.set(path, loaded);
  return loaded;
}

function loadOnce(path: string, chain: string[], issues: Issue[], files: string[], done: Map<string, Loaded | undefined>): Loaded | undefined {
  const own = readRecipeFile(path, issues);
  if (!own) return undefined;
  const parents = own.value.extends === undefined ? [] : Array.isArray(own.value.extends) ? own.value.extends : [own.value.extends];
  const value: Record<string, Json> = {};
  const provenance: Provenance = new Map();
  const migrated: MigratedFile[] = [];
  parents.forEach((parent, i) => {
    const pointer = Array.isArray(own.value.extends) ? `/extends/${i}` : '/extends';
    if (typeof parent !== 'string') {
      const origin = own.provenance.get(pointer);
      issues.push({ file: path, line: origin?.kind === 'file' ? origin.line : undefined, pointer, message: '"extends" takes a file path or a list of file paths' });
      return;
    }
    const parentPath = resolve(dirname(path), parent);
    const loaded = loadWithParents(parentPath, [...chain, path], issues, files, done);
    if (loaded) {
      mergeInto(value, loaded.value, '', provenance, loaded.provenance);
      migrated.push(...loaded.migrated);
    }
  });
  mergeInto(value, own.value, '', provenance, own.provenance);
  const root = own.provenance.get('');
  if (root) provenance.set('', root);
  // A child's "extends" is about loading, not about the run; keep the child's own.
  if (own.value.extends === undefined) delete value.extends;
  files.push(path);
  return { value, provenance, migrated: [...migrated, ...own.migrated] };
}

/**
 * Read a recipe file, merge the files it `extends`, and apply `--set path=value` overrides, remembering where
 * every value came from. All problems are reported at once.
 */
export function loadRecipe(file: string, overrides: string[] = []): LoadedRecipe {
  const path = resolve(file);
  const issues: Issue[] = [];
  const files: string[] = [];
  const loaded = loadWithParents(path, [], issues, files, new Map());
  if (!loaded) throw new PrdError(`cannot load recipe ${file}`, issues);
  for (const override of overrides) {
    try {
      applyOverride(loaded.value, loaded.provenance, override);
    } catch (error) {
      if (error instanceof PrdError) issues.push(...error.issues);
      else throw error;
    }
  }
  if (issues.length > 0) throw new PrdError(`cannot load recipe ${file}`, issues);
  // Every file was read in (or migrated to) the current format, so the merged recipe is in it.
  if (loaded.value.prd !== undefined) loaded.value.prd = String(RECIPE_FORMAT);
  return { path, dir: dirname(path), value: loaded.value, provenance: loaded.provenance, files, migrated: loaded.migrated };
}
