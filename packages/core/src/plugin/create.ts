import { Value } from '@sinclair/typebox/value';
import { PrdError } from '../errors.js';
import type { OutputDeclaration, PluginContext } from './contract.js';
import type { KindInstances, PluginKind, PluginRef } from './kinds.js';
import type { PluginRegistry } from './registry.js';

/** A created plugin with the facts that go into cache keys and the manifest. */
export interface Instance<T> {
  /** JSON pointer of the plugin's slot (`/track/0`). */
  slot: string;
  kind: PluginKind;
  use: string;
  /** The options as the plugin received them: validated, defaults applied. */
  options: Record<string, unknown>;
  package: string;
  version: string;
  /** What the plugin declares it produces, if anything. */
  outputs?: OutputDeclaration;
  instance: T;
}

/**
 * Create a plugin: find it in the registry, apply its options' defaults, check the options against its schema
 * (every problem at once, each with its JSON pointer) and call its `create`. This is the only way prd makes a
 * plugin, so a plugin always receives complete, valid options whether it was named by a recipe or by a command.
 */
export async function createPlugin<K extends PluginKind>(registry: PluginRegistry, kind: K, ref: PluginRef, pointer: string, context: PluginContext): Promise<Instance<KindInstances[K]>> {
  const { plugin, origin } = registry.require(kind, ref.use, `${pointer}/use`);
  const options = Value.Default(plugin.options, structuredClone(ref.with ?? {})) as Record<string, unknown>;
  const errors = [...Value.Errors(plugin.options, options)];
  if (errors.length > 0) {
    throw new PrdError(
      `options of ${kind} plugin "${ref.use}" are not valid`,
      errors.map((e) => ({ pointer: `${pointer}/with${e.path}`, message: e.message })),
    );
  }
  const instance = (await plugin.create(options, { ...context, pointer })) as KindInstances[K];
  return { slot: pointer, kind, use: ref.use, options, package: origin.packageName, version: origin.version, ...(plugin.outputs ? { outputs: plugin.outputs } : {}), instance };
}
