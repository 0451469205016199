import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverPlugins, type PluginRegistry } from '@prd/core';

/** Directory of the installed @prd/cli package; plugins installed next to prd are found from here. */
export const CLI_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

/** Directories discovery starts from: the working directory and prd's own installation. */
export function pluginSearchPaths(extra: string[] = []): string[] {
  return [process.cwd(), CLI_DIR, ...extra];
}

/** Every installed plugin, for commands that need no recipe. */
export function installedPlugins(): Promise<PluginRegistry> {
  return discoverPlugins({ searchFrom: pluginSearchPaths() });
}
