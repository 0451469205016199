import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { discoverPlugins, RECIPE_FORMAT, recipePackages, secrets, type PluginRegistry, type ResolvedRecipe, type RunPackage } from '@prd/core';
import { cliVersion } from './version.js';

/** Directory of the installed @prd/cli package; plugins installed next to prd are found from here. */
export const CLI_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

/** What a remote node installs to run `recipe` (`RemoteRunRequest.packagesFor`): this CLI and the recipe's plugin packages. */
export function nodePackages(registry: PluginRegistry): (recipe: Record<string, unknown>) => RunPackage[] {
  return (recipe) => [{ name: '@prd/cli', version: cliVersion(), dir: CLI_DIR }, ...recipePackages(registry, recipe)];
}

/** Directories discovery starts from: the working directory and prd's own installation. */
export function pluginSearchPaths(extra: string[] = []): string[] {
  return [process.cwd(), CLI_DIR, ...extra];
}

/** Every installed plugin, for commands that need no recipe; packages that failed to load are warned about. */
export async function installedPlugins(): Promise<PluginRegistry> {
  return warnAboutFailures(await discoverPlugins({ searchFrom: pluginSearchPaths() }));
}

/** Print a warning on stderr for each plugin package that failed to load. */
export function warnAboutFailures(registry: PluginRegistry): PluginRegistry {
  for (const failure of registry.failures) {
    process.stderr.write(secrets.redact(`warning: plugin package ${failure.packageName} was not loaded: ${failure.message}\n`));
  }
  return registry;
}

/**
 * Warnings about a resolved recipe: plugin packages that failed to load, and options of an older recipe format that
 * were read under their new names (with the command that rewrites the file).
 */
export function warnAboutRecipe(resolved: ResolvedRecipe): ResolvedRecipe {
  warnAboutFailures(resolved.registry);
  const byFile = new Map<string, string[]>();
  for (const m of resolved.loaded.migrated) byFile.set(m.file, [...(byFile.get(m.file) ?? []), `${m.description} (${m.pointers.join(', ')})`]);
  for (const [file, changes] of byFile) {
    const shown = relative(process.cwd(), file) || file;
    const lines = [`warning: ${shown} is written for an older recipe format; read as format ${RECIPE_FORMAT}:`, ...changes.map((c) => `  - ${c}`), `  rewrite it with: prd migrate ${shown}`];
    process.stderr.write(`${secrets.redact(lines.join('\n'))}\n`);
  }
  return resolved;
}
