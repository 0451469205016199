import type { KindInstances, PluginContext, PluginKind } from '../plugin/contract.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { PluginRef, Recipe } from '../recipe/base-schema.js';
import type { Instance, Instances } from './context.js';

async function create<K extends PluginKind>(registry: PluginRegistry, kind: K, ref: PluginRef, pointer: string, base: PluginContext): Promise<Instance<KindInstances[K]>> {
  const { plugin, origin } = registry.require(kind, ref.use, `${pointer}/use`);
  const options = ref.with ?? {};
  const instance = (await plugin.create(options, { ...base, pointer })) as KindInstances[K];
  return { slot: pointer, use: ref.use, options, package: origin.packageName, version: origin.version, instance };
}

/** Create every plugin the recipe names, in recipe order. */
export async function createInstances(recipe: Recipe, registry: PluginRegistry, base: PluginContext): Promise<Instances> {
  const list = async <K extends PluginKind>(kind: K, refs: PluginRef[] | undefined, pointer: string) =>
    Promise.all((refs ?? []).map((ref, i) => create(registry, kind, ref, `${pointer}/${i}`, base)));
  return {
    source: await create(registry, 'source', recipe.data.source, '/data/source', base),
    transforms: await list('transform', recipe.data.transforms, '/data/transforms'),
    sampler: await create(registry, 'sampler', recipe.split, '/split', base),
    rebalancer: recipe.rebalance ? await create(registry, 'rebalancer', recipe.rebalance, '/rebalance', base) : undefined,
    model: await create(registry, 'model', recipe.model, '/model', base),
    backend: await create(registry, 'backend', recipe.compute ?? { use: 'local' }, '/compute', base),
    trackers: await list('tracker', recipe.track, '/track'),
    evaluators: await list('evaluator', recipe.evaluate, '/evaluate'),
    explainers: await list('explainer', recipe.explain, '/explain'),
  };
}

/** Plugin facts for the manifest. */
export function manifestPlugins(instances: Instances): Array<{ slot: string; kind: string; name: string; package: string; version: string }> {
  const rows: Array<[string, Instance<unknown> | undefined]> = [
    ['source', instances.source],
    ...instances.transforms.map((t): [string, Instance<unknown>] => ['transform', t]),
    ['sampler', instances.sampler],
    ['rebalancer', instances.rebalancer],
    ['model', instances.model],
    ['backend', instances.backend],
    ...instances.trackers.map((t): [string, Instance<unknown>] => ['tracker', t]),
    ...instances.evaluators.map((t): [string, Instance<unknown>] => ['evaluator', t]),
    ...instances.explainers.map((t): [string, Instance<unknown>] => ['explainer', t]),
  ];
  return rows
    .filter((r): r is [string, Instance<unknown>] => r[1] !== undefined)
    .map(([kind, i]) => ({ slot: i.slot, kind, name: i.use, package: i.package, version: i.version }));
}
