import { statSync } from 'node:fs';
import { pointerTokens } from '../recipe/json-source.js';
import type { RunPackage } from './contract.js';
import { defaultRef, isList, isOptional, type PluginKind, type PluginRef } from './kinds.js';
import type { PluginRegistry } from './registry.js';

/** The plugin refs of a recipe slot: its list, its single ref, or (left out) the kind's default, as a run creates them. */
function slotRefs(recipe: Record<string, unknown>, registry: PluginRegistry, kind: string): PluginRef[] {
  const declaration = registry.kinds[kind];
  let value: unknown = recipe;
  for (const token of pointerTokens(declaration.slot)) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[token] : undefined;
  if (isList(declaration)) return Array.isArray(value) ? (value as PluginRef[]) : [];
  if (value !== undefined) return [value as PluginRef];
  return isOptional(declaration) && declaration.default !== undefined ? [defaultRef(kind as PluginKind, registry.kinds)] : [];
}

/**
 * The packages of the plugins a recipe uses (each slot's plugins, or a left-out slot's default), each once, with the
 * folder each is installed in. Plugins loaded from a recipe's own files (not packages) are left out, as are names
 * the registry does not know (the recipe's validation reports those).
 */
export function recipePackages(registry: PluginRegistry, recipe: Record<string, unknown>): RunPackage[] {
  const found = new Map<string, RunPackage>();
  for (const kind of Object.keys(registry.kinds)) {
    for (const ref of slotRefs(recipe, registry, kind)) {
      const origin = typeof ref?.use === 'string' ? registry.get(kind as PluginKind, ref.use)?.origin : undefined;
      if (!origin || found.has(origin.packageName) || !isFolder(origin.path)) continue;
      found.set(origin.packageName, { name: origin.packageName, version: origin.version, dir: origin.path });
    }
  }
  return [...found.values()];
}

function isFolder(path: string | undefined): path is string {
  try {
    return path !== undefined && statSync(path).isDirectory();
  } catch {
    return false;
  }
}
