import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testPlugins } from '../test-support/plugins.js';
import { recipePackages } from './packages.js';
import { PluginRegistry } from './registry.js';

describe('recipePackages', () => {
  it('names the package of each plugin a recipe uses, with a left-out slot as its default, each once; plugin files are not packages', () => {
    const root = mkdtempSync(join(tmpdir(), 'prd-packages-'));
    const dir = (name: string) => {
      mkdirSync(join(root, name));
      return join(root, name);
    };
    const file = join(root, 'my-evaluator.js');
    writeFileSync(file, '');
    const registry = new PluginRegistry();
    const where: Record<string, { packageName: string; version: string; path: string }> = {
      source: { packageName: '@prd/source-csv', version: '1.0.0', path: dir('source-csv') },
      domain: { packageName: '@prd/precip', version: '1.0.0', path: dir('precip') },
      backend: { packageName: '@prd/backend-local', version: '1.0.0', path: dir('backend-local') },
      evaluator: { packageName: './my-evaluator.js', version: 'local', path: file },
    };
    const other = { packageName: '@prd/other', version: '1.0.0', path: dir('other') };
    for (const plugin of testPlugins) registry.register(plugin, where[plugin.kind] ?? other);
    const names = (recipe: Record<string, unknown>) => recipePackages(registry, recipe).map((p) => p.name);
    // No domain and no compute: the defaults (precip, local); the evaluator from a file is left out.
    expect(names({ data: { source: { use: 'csv' }, transforms: [] }, evaluate: [{ use: testPlugins.find((p) => p.kind === 'evaluator')!.name }] })).toEqual(['@prd/source-csv', '@prd/precip', '@prd/backend-local']);
    expect(recipePackages(registry, { data: { source: { use: 'csv' } } })[0]).toEqual({ name: '@prd/source-csv', version: '1.0.0', dir: join(root, 'source-csv') });
  });
});
