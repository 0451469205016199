import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrdError } from '../errors.js';
import type { AnyPlugin } from './contract.js';
import { PluginRegistry, pluginShapeProblem, type PluginOrigin } from './registry.js';

/** The keyword a package carries so that prd finds it. */
export const PLUGIN_KEYWORD = 'prd-plugin';

/** The `package.json` fields discovery reads. */
interface PluginPackageJson {
  name?: string;
  version?: string;
  keywords?: string[];
  prd?: { plugins?: string };
}

/** A plugin package found on disk, before it is imported. */
export interface FoundPackage {
  name: string;
  version: string;
  dir: string;
  entry: string;
}

/** Where to look for plugins. */
export interface DiscoveryOptions {
  /** Directories whose `node_modules` (and their parents') are scanned; default the current directory. */
  searchFrom?: string[];
  /** Extra plugin packages or module paths (a recipe's `plugins`), resolved against `baseDir`. */
  extra?: string[];
  /** Directory `extra` entries resolve against. */
  baseDir?: string;
}

function readPackageJson(dir: string): PluginPackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PluginPackageJson;
  } catch {
    return undefined;
  }
}

function asPluginPackage(dir: string, pkg: PluginPackageJson | undefined): FoundPackage | undefined {
  if (!pkg?.name || !pkg.keywords?.includes(PLUGIN_KEYWORD) || !pkg.prd?.plugins) return undefined;
  return { name: pkg.name, version: pkg.version ?? '0.0.0', dir, entry: resolve(dir, pkg.prd.plugins) };
}

/** Package directories directly under one `node_modules` directory (including scoped ones). */
function packagesIn(nodeModules: string): string[] {
  const dirs: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(nodeModules);
  } catch {
    return dirs;
  }
  for (const entry of entries) {
    if (entry.startsWith('.')) continue;
    const full = join(nodeModules, entry);
    if (entry.startsWith('@')) {
      try {
        for (const scoped of readdirSync(full)) dirs.push(join(full, scoped));
      } catch {
        // an unreadable scope directory holds no plugins we can load
      }
    } else {
      dirs.push(full);
    }
  }
  return dirs;
}

/** Directories a workspace pattern names: `plugins/*` (each folder beneath) or a plain folder. */
function workspaceDirs(root: string, pattern: string): string[] {
  const clean = pattern.replace(/\/+$/, '');
  if (clean.endsWith('/*') || clean.endsWith('/**')) {
    const parent = join(root, clean.slice(0, clean.lastIndexOf('/')));
    try {
      return readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => join(parent, e.name));
    } catch {
      return [];
    }
  }
  return /[*?[]/.test(clean) ? [] : [join(root, clean)];
}

/**
 * Plugin packages of the npm workspace that contains each directory (the nearest package.json with `workspaces`).
 * A package the plugin generator has just written is found here before any `npm install` links it.
 */
export function findWorkspacePackages(searchFrom: string[]): FoundPackage[] {
  const roots = new Set<string>();
  for (const start of searchFrom) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      const workspaces = (readPackageJson(dir) as { workspaces?: string[] | { packages?: string[] } } | undefined)?.workspaces;
      if (workspaces) {
        roots.add(dir);
        break;
      }
      if (dirname(dir) === dir) break;
    }
  }
  const found: FoundPackage[] = [];
  for (const root of roots) {
    const workspaces = (readPackageJson(root) as { workspaces?: string[] | { packages?: string[] } }).workspaces;
    const patterns = Array.isArray(workspaces) ? workspaces : (workspaces?.packages ?? []);
    for (const pattern of patterns) {
      for (const dir of workspaceDirs(root, pattern)) {
        const pkg = asPluginPackage(dir, readPackageJson(dir));
        if (pkg) found.push(pkg);
      }
    }
  }
  return found;
}

/**
 * Plugin packages visible from the given directories: installed in `node_modules` of each directory or an ancestor
 * (the nearest installation wins), then those of the enclosing npm workspace not installed yet.
 */
export function findPluginPackages(searchFrom: string[]): FoundPackage[] {
  const found = new Map<string, FoundPackage>();
  for (const pkg of findInstalledPackages(searchFrom)) found.set(pkg.name, pkg);
  for (const pkg of findWorkspacePackages(searchFrom)) if (!found.has(pkg.name)) found.set(pkg.name, pkg);
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Installed plugin packages visible from the given directories (each directory and its ancestors). */
export function findInstalledPackages(searchFrom: string[]): FoundPackage[] {
  const seenDirs = new Set<string>();
  const found = new Map<string, FoundPackage>();
  for (const start of searchFrom) {
    let dir = resolve(start);
    for (;;) {
      const nodeModules = join(dir, 'node_modules');
      if (!seenDirs.has(nodeModules) && existsSync(nodeModules)) {
        seenDirs.add(nodeModules);
        for (const pkgDir of packagesIn(nodeModules)) {
          const pkg = asPluginPackage(pkgDir, readPackageJson(pkgDir));
          if (!pkg) continue;
          const real = realpathSync(pkgDir);
          // The nearest installation of a package wins, as in Node's own resolution.
          if (!found.has(pkg.name)) found.set(pkg.name, { ...pkg, dir: real, entry: resolve(real, readPackageJson(real)?.prd?.plugins ?? '') });
        }
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Plugins exported by a module: its default export (a plugin or an array) or a named `plugins` array. */
export function pluginsFromModule(mod: Record<string, unknown>, where: string): AnyPlugin[] {
  const exported = mod.default ?? mod.plugins;
  const list = Array.isArray(exported) ? exported : exported === undefined ? [] : [exported];
  if (list.length === 0) {
    throw new PrdError(`${where} exports no plugins; export an array of plugins as the default export`);
  }
  for (const item of list) {
    const problem = pluginShapeProblem(item);
    if (problem) throw new PrdError(`a plugin exported by ${where} ${problem}`);
  }
  return list as AnyPlugin[];
}

async function importPlugins(entry: string, where: string): Promise<AnyPlugin[]> {
  if (!existsSync(entry)) {
    throw new PrdError(`${where} declares its plugins in ${entry}, which does not exist; build the package (npm run build)`);
  }
  const mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  return pluginsFromModule(mod, where);
}

/** Resolve a recipe's `plugins` entry (a path or a package name) to a module and its origin. */
function resolveExtra(spec: string, baseDir: string): { entry: string; origin: PluginOrigin } {
  const looksLikePath = spec.startsWith('.') || isAbsolute(spec);
  if (looksLikePath) {
    const full = resolve(baseDir, spec);
    if (!existsSync(full)) throw new PrdError(`plugin path "${spec}" does not exist (looked for ${full})`);
    if (statSync(full).isDirectory()) {
      const pkg = asPluginPackage(full, readPackageJson(full));
      if (!pkg) throw new PrdError(`plugin directory "${spec}" has no package.json with keyword "${PLUGIN_KEYWORD}" and a "prd.plugins" entry`);
      return { entry: pkg.entry, origin: { packageName: pkg.name, version: pkg.version, path: full } };
    }
    return { entry: full, origin: { packageName: spec, version: 'local', path: full } };
  }
  const require = createRequire(join(baseDir, 'recipe.json'));
  let pkgJsonPath: string;
  try {
    pkgJsonPath = require.resolve(`${spec}/package.json`);
  } catch {
    throw new PrdError(`plugin package "${spec}" is not installed; run npm install ${spec}`);
  }
  const dir = dirname(pkgJsonPath);
  const pkg = asPluginPackage(dir, readPackageJson(dir));
  if (!pkg) throw new PrdError(`package "${spec}" is not a prd plugin package (no keyword "${PLUGIN_KEYWORD}" or no "prd.plugins" entry)`);
  return { entry: pkg.entry, origin: { packageName: pkg.name, version: pkg.version, path: dir } };
}

/**
 * Find, import and register every plugin visible from `searchFrom`, plus a recipe's extra plugins. An installed
 * package that fails to load is recorded in `registry.failures` (one broken package must not break every command);
 * a recipe's own extra plugins and duplicate plugin names are errors.
 */
export async function discoverPlugins(options: DiscoveryOptions = {}): Promise<PluginRegistry> {
  const registry = new PluginRegistry();
  for (const pkg of findPluginPackages(options.searchFrom ?? [process.cwd()])) {
    let plugins: AnyPlugin[];
    try {
      plugins = await importPlugins(pkg.entry, `package ${pkg.name}`);
    } catch (error) {
      registry.failures.push({ packageName: pkg.name, path: pkg.dir, message: error instanceof Error ? error.message : String(error) });
      continue;
    }
    for (const plugin of plugins) registry.register(plugin, { packageName: pkg.name, version: pkg.version, path: pkg.dir });
  }
  for (const spec of options.extra ?? []) {
    const { entry, origin } = resolveExtra(spec, options.baseDir ?? process.cwd());
    const plugins = await importPlugins(entry, `plugin "${spec}"`);
    for (const plugin of plugins) registry.register(plugin, origin);
  }
  return registry;
}
