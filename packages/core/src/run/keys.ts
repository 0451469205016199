import { hashOf } from '../hash.js';
import type { PluginKind } from '../plugin/contract.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { coreCode, pluginCode } from './code-identity.js';
import type { Instance } from './context.js';
import type { GraphContext, StepDef, StepName, StepOutputs } from './graph.js';

/** Bump when the layout of cached step outputs changes, so old entries are not misread. */
export const CACHE_FORMAT = 3;

/**
 * Key facts of a plugin instance: its name, resolved options, package, version and code digest. The code digest
 * makes a fix in a plugin invalidate the entries it made, with no constant to bump by hand.
 */
export function pluginKey(registry: PluginRegistry, kind: PluginKind, i: Instance<unknown>): Record<string, unknown> {
  const { origin } = registry.require(kind, i.use);
  return { use: i.use, options: i.options, package: i.package, version: i.version, code: pluginCode(origin.path).code };
}

/** The digest of what a step reads: each read step's digest, or null for a step that was skipped. */
export function inputDigests(g: GraphContext, reads: readonly StepName[]): Record<string, string | null> | undefined {
  const digests: Record<string, string | null> = {};
  for (const name of reads) {
    const result = g.results[name];
    if (!result) return undefined;
    digests[name] = 'skipped' in result ? null : result.digest;
  }
  return digests;
}

/**
 * A step's key (a Merkle chain, as in Bazel or Nix): the content digests of the outputs it reads, its own key facts
 * (resolved options, plugins with their code), core's code and the cache format. Undefined while an input is unknown.
 */
export function stepKey(g: GraphContext, def: StepDef<StepName>): string | undefined {
  const inputs = inputDigests(g, def.reads);
  if (!inputs) return undefined;
  return hashOf({ format: CACHE_FORMAT, core: coreCode().code, step: def.name, inputs, facts: def.key(g) }, 24);
}

/** The digest a plain (uncached) step's result stands for: what it read, its key facts and facts of its output. */
export function plainDigest(g: GraphContext, def: StepDef<StepName>, value: StepOutputs[StepName]): string {
  return hashOf({ step: def.name, inputs: inputDigests(g, def.reads) ?? null, facts: def.key(g), output: def.outputFacts?.(value) ?? null }, 24);
}
