import { createPlugin, type Instance } from '../plugin/create.js';
import type { OutputDeclaration, PluginContext } from '../plugin/contract.js';
import { defaultRef, isList, isOptional, type BuiltInKinds, type KindInstances, type PluginKind, type PluginRef } from '../plugin/kinds.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { PrdError } from '../errors.js';
import { pointerTokens } from '../recipe/json-source.js';
import type { Recipe } from '../recipe/base-schema.js';

export type { Instance } from '../plugin/create.js';

type Field<K extends PluginKind> = BuiltInKinds[K]['field'];
type Slot<K extends PluginKind> = BuiltInKinds[K] extends { many: true } ? Instance<KindInstances[K]>[] : Instance<KindInstances[K]>;
// Distributes over the union of kinds (K is checked bare), so each optional kind's field is optional.
type Maybe<K extends PluginKind> = K extends PluginKind ? (BuiltInKinds[K] extends { optional: true } ? K : never) : never;

/** Every plugin a recipe names, created: one field per kind (`source`, `transforms`, ..., `explainers`), from the kinds table. */
export type Instances = { [K in Exclude<PluginKind, Maybe<PluginKind>> as Field<K>]: Slot<K> } & { [K in Maybe<PluginKind> as Field<K>]?: Slot<K> };

/** One plugin row of the manifest and of `prd plan`. */
export interface ManifestPlugin {
  slot: string;
  kind: string;
  name: string;
  package: string;
  version: string;
  /** What the plugin declares it produces; reports read this instead of knowing plugins. */
  outputs?: OutputDeclaration;
}

/** The value at a JSON pointer of a recipe, if any. */
function valueAt(recipe: unknown, pointer: string): unknown {
  let value = recipe;
  for (const token of pointerTokens(pointer)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[token];
  }
  return value;
}

/**
 * Create every plugin the recipe names, kind by kind in the order of the registry's kinds table, each from its slot
 * (or the kind's default plugin when the slot is left out).
 */
export async function createInstances(recipe: Recipe, registry: PluginRegistry, base: PluginContext): Promise<Instances> {
  const instances: Record<string, Instance<unknown> | Instance<unknown>[] | undefined> = {};
  for (const [kind, declaration] of Object.entries(registry.kinds)) {
    const value = valueAt(recipe, declaration.slot);
    const create = (ref: PluginRef, pointer: string) => createPlugin(registry, kind as PluginKind, ref, pointer, base) as Promise<Instance<unknown>>;
    if (isList(declaration)) {
      const refs = (value ?? []) as PluginRef[];
      instances[declaration.field] = await Promise.all(refs.map((ref, i) => create(ref, `${declaration.slot}/${i}`)));
    } else if (value !== undefined) {
      instances[declaration.field] = await create(value as PluginRef, declaration.slot);
    } else if (isOptional(declaration) && declaration.default !== undefined) {
      instances[declaration.field] = await create(defaultRef(kind as PluginKind, registry.kinds), declaration.slot);
    } else if (!isOptional(declaration)) {
      throw PrdError.of({ pointer: declaration.slot, message: `the recipe names no ${kind} plugin; add "${declaration.slot.split('/').pop()}": {"use": ...}` });
    }
  }
  return instances as unknown as Instances;
}

/** Plugin rows for the manifest and the plan, in the order the instances were created. */
export function manifestPlugins(instances: Instances): ManifestPlugin[] {
  const all = Object.values(instances as Record<string, Instance<unknown> | Instance<unknown>[] | undefined>).flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
  return all.map((i) => ({ slot: i.slot, kind: i.kind, name: i.use, package: i.package, version: i.version, ...(i.outputs ? { outputs: i.outputs } : {}) }));
}
