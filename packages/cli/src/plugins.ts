import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverPlugins, secrets, type PluginRegistry } from '@prd/core';

/** Directory of the installed @prd/cli package; plugins installed next to prd are found from here. */
export const CLI_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

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
