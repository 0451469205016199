import type { ComputeBackend, DataSource, Domain, Evaluator, Explainer, ModelBuilder, Rebalancer, Sampler, Tracker, Transform } from './contract.js';

/** A `{ use, with }` reference to a plugin. */
export interface PluginRef {
  use: string;
  with?: Record<string, unknown>;
}

/**
 * How one plugin kind appears in recipes, plans, manifests and the generator. This table is the only place a kind
 * is declared: the recipe schema, instance creation, the manifest's plugin rows, `prd plugins` and the generator's
 * kind list are all read from it.
 */
export interface KindDeclaration {
  /** JSON pointer of the recipe slot (`/data/source`); the parent object must be a fixed part of the recipe. */
  slot: string;
  /** Field of `Instances` that holds the created plugin(s). */
  field: string;
  /** The slot is a list of plugins (`track: [...]`). A list is always optional (empty when left out). */
  many?: boolean;
  /** The slot may be left out (default: when it is a list or has a default plugin). */
  optional?: boolean;
  /**
   * The plugin(s) a command uses when it needs this kind and was given none (`prd predict` reads its data with the
   * default source, `prd evaluate` scores with the default evaluators). A single slot with a default and no
   * `optional: false` uses it also when the recipe leaves the slot out (`compute` is `local` unless a recipe says).
   */
  default?: PluginRef | readonly PluginRef[];
  /** One line for `prd plugins`, the recipe schema and the generator. */
  description: string;
  /** The members every instance of the kind has (its interface's required methods); the conformance suite checks them. */
  members?: readonly string[];
}

declare const instanceType: unique symbol;
/** A declaration tagged with the interface its plugins' `create` returns (a type only; nothing at run time). */
export type Declared<T, D extends KindDeclaration = KindDeclaration> = D & { readonly [instanceType]?: T };

/** Declare a kind whose plugins create a `T`: `kind<Tracker>()({ slot: '/track', field: 'trackers', many: true, ... })`. */
export function kind<T>() {
  return <const D extends KindDeclaration>(declaration: D): Declared<T, D> => declaration;
}

/** The built-in plugin kinds, in pipeline order. */
export const KINDS = {
  source: kind<DataSource>()({ slot: '/data/source', field: 'source', optional: false, members: ['open'], default: { use: 'csv' }, description: 'Yields the rows of a dataset.' }),
  domain: kind<Domain>()({
    slot: '/data/domain',
    field: 'domain',
    members: ['bandSets', 'defaults', 'mlPrefix', 'ensembleProbabilities'],
    default: { use: 'precip' },
    description: 'The science of the data: named band sets, default column names, ensemble band probabilities.',
  }),
  transform: kind<Transform>()({ slot: '/data/transforms', field: 'transforms', many: true, members: ['apply'], description: 'Filters rows or derives columns.' }),
  sampler: kind<Sampler>()({ slot: '/split', field: 'sampler', members: ['assign'], description: 'Splits rows into train, validation and test.' }),
  rebalancer: kind<Rebalancer>()({ slot: '/rebalance', field: 'rebalancer', optional: true, members: ['apply'], description: 'Resamples the training rows.' }),
  model: kind<ModelBuilder>()({ slot: '/model', field: 'model', members: ['build'], description: 'Builds an untrained model.' }),
  backend: kind<ComputeBackend>()({ slot: '/compute', field: 'backend', members: ['describe', 'train', 'predict'], default: { use: 'local' }, description: 'Trains and applies models.' }),
  tracker: kind<Tracker>()({ slot: '/track', field: 'trackers', many: true, description: 'Mirrors a run to a tracking server.' }),
  evaluator: kind<Evaluator>()({
    slot: '/evaluate',
    field: 'evaluators',
    members: ['evaluate'],
    many: true,
    default: [{ use: 'fss' }, { use: 'frequency-bias' }, { use: 'kl-divergence' }],
    description: 'Scores predictions against truth and baseline.',
  }),
  explainer: kind<Explainer>()({ slot: '/explain', field: 'explainers', many: true, members: ['explain'], description: 'Explains a trained model.' }),
};

/** A table of plugin kinds: the built-in `KINDS`, or an extension of it. */
export type KindTable = Readonly<Record<string, KindDeclaration>>;
/** The built-in table's type. */
export type BuiltInKinds = typeof KINDS;
/** A plugin kind. */
export type PluginKind = keyof BuiltInKinds;
/** The kinds, in pipeline order. */
export const PLUGIN_KINDS = Object.keys(KINDS) as PluginKind[];

/** The interface a declaration's plugins create. */
export type InstanceOf<D> = D extends { readonly [instanceType]?: infer T } ? NonNullable<T> : unknown;
/** The interface each kind's `create` returns. */
export type KindInstances = { [K in PluginKind]: InstanceOf<BuiltInKinds[K]> };

/** The slot of a declaration is a list. */
export function isList(declaration: KindDeclaration): boolean {
  return declaration.many === true;
}

/** A recipe may leave the slot out. */
export function isOptional(declaration: KindDeclaration): boolean {
  return declaration.many === true || (declaration.optional ?? declaration.default !== undefined);
}

/** The default plugins of a kind, as fresh copies; empty when it declares none. */
export function defaultRefs(kind: PluginKind, kinds: KindTable = KINDS): PluginRef[] {
  const declared = kinds[kind]?.default;
  const refs: readonly PluginRef[] = declared === undefined ? [] : Array.isArray(declared) ? declared : [declared as PluginRef];
  return refs.map((ref) => structuredClone(ref));
}

/** The default plugin of a single-plugin kind (`{ use: 'local' }` for backends); an error if it declares none. */
export function defaultRef(kind: PluginKind, kinds: KindTable = KINDS): PluginRef {
  const [ref] = defaultRefs(kind, kinds);
  if (!ref) throw new Error(`the ${kind} kind declares no default plugin`);
  return ref;
}
