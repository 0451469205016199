import { PrdError } from '../errors.js';
import { closest } from '../suggest.js';
import type { AnyPlugin } from './contract.js';
import { KINDS, type KindTable, type PluginKind } from './kinds.js';

/** Where a plugin came from. */
export interface PluginOrigin {
  /** npm package name, or the file path for a local plugin module. */
  packageName: string;
  version: string;
  /** Directory or file the plugin was loaded from. */
  path: string;
}

/** A plugin and where it came from. */
export interface RegisteredPlugin {
  plugin: AnyPlugin;
  origin: PluginOrigin;
}

/** Check that a value exported by a plugin package has the shape of a plugin; returns what is wrong, if anything. */
export function pluginShapeProblem(value: unknown, kinds: KindTable = KINDS): string | undefined {
  if (typeof value !== 'object' || value === null) return 'is not an object';
  const p = value as Partial<AnyPlugin>;
  if (typeof p.kind !== 'string' || !Object.hasOwn(kinds, p.kind)) {
    return `has kind ${JSON.stringify(p.kind)}; expected one of ${Object.keys(kinds).join(', ')}`;
  }
  if (typeof p.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(p.name)) return `has name ${JSON.stringify(p.name)}; expected lower-case words joined by "-"`;
  if (typeof p.description !== 'string') return `"${p.name}" has no description`;
  if (typeof p.options !== 'object' || p.options === null) return `"${p.name}" has no options schema`;
  if (typeof p.create !== 'function') return `"${p.name}" has no create() function`;
  return undefined;
}

/** A plugin package that could not be loaded, and why. */
export interface PluginLoadFailure {
  packageName: string;
  path: string;
  message: string;
}

/** All plugins known to a run, by kind and name, and the table of kinds they belong to. */
export class PluginRegistry {
  private readonly byKey = new Map<string, RegisteredPlugin>();
  private readonly order: string[];
  /** Installed packages that declare plugins but could not be loaded; shown as warnings, named in errors. */
  readonly failures: PluginLoadFailure[] = [];

  /** `kinds` is the table of plugin kinds (the built-in one unless a test or tool extends it). */
  constructor(readonly kinds: KindTable = KINDS) {
    this.order = Object.keys(kinds);
  }

  /** Add a plugin. Two plugins of one kind with one name from different packages is an error naming both. */
  register(plugin: AnyPlugin, origin: PluginOrigin): void {
    const problem = pluginShapeProblem(plugin, this.kinds);
    if (problem) throw new PrdError(`a plugin exported by ${origin.packageName} (${origin.path}) ${problem}`);
    const key = `${plugin.kind}:${plugin.name}`;
    const existing = this.byKey.get(key);
    if (existing) {
      if (existing.origin.packageName === origin.packageName) return; // the same package found twice
      throw new PrdError(
        `two ${plugin.kind} plugins are named "${plugin.name}": one in ${describe(existing.origin)} and one in ${describe(origin)}; uninstall one of them`,
      );
    }
    this.byKey.set(key, { plugin, origin });
  }

  /** The plugin of a kind with a name, if installed. */
  get(kind: PluginKind, name: string): RegisteredPlugin | undefined {
    return this.byKey.get(`${kind}:${name}`);
  }

  /** The plugin of a kind with a name, or an error that names the closest installed one. */
  require(kind: PluginKind, name: string, pointer?: string): RegisteredPlugin {
    const found = this.get(kind, name);
    if (found) return found;
    const names = this.names(kind);
    const suggestion = closest(name, names);
    const broken = this.failures.length > 0 ? `; these plugin packages failed to load: ${this.failures.map((f) => f.packageName).join(', ')}` : '';
    throw PrdError.of({
      pointer,
      message: `no ${kind} plugin is named "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (installed: ${names.join(', ') || 'none'})${broken}`,
      suggestion,
    });
  }

  /** Names of the installed plugins of a kind, sorted. */
  names(kind: PluginKind): string[] {
    return this.list(kind).map((r) => r.plugin.name);
  }

  /** Every registered plugin, optionally of one kind, sorted by kind then name. */
  list(kind?: PluginKind): RegisteredPlugin[] {
    const all = [...this.byKey.values()].filter((r) => kind === undefined || r.plugin.kind === kind);
    return all.sort((a, b) => this.order.indexOf(a.plugin.kind) - this.order.indexOf(b.plugin.kind) || a.plugin.name.localeCompare(b.plugin.name));
  }
}

function describe(origin: PluginOrigin): string {
  return `${origin.packageName}@${origin.version} (${origin.path})`;
}
