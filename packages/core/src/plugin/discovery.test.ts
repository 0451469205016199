import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/plugins.js';
import { discoverPlugins, findPluginPackages } from './discovery.js';

const pluginModule = (kind: string, name: string) => `
export default [{
  kind: '${kind}', name: '${name}', description: 'a ${kind}', options: { type: 'object', properties: {} },
  create() { return {}; },
}];
`;

function writePackage(root: string, name: string, pkg: Record<string, unknown>, module?: string): string {
  const dir = join(root, 'node_modules', ...name.split('/'));
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.2.3', type: 'module', ...pkg }));
  if (module) writeFileSync(join(dir, 'dist', 'index.js'), module);
  return dir;
}

describe('plugin discovery', () => {
  it('finds packages with the prd-plugin keyword and a prd.plugins entry, scoped or not, and ignores the rest', async () => {
    const root = tempDir();
    writePackage(root, '@acme/prd-source-grib', { keywords: ['prd-plugin'], prd: { plugins: './dist/index.js' } }, pluginModule('source', 'grib'));
    writePackage(root, 'prd-fss-plus', { keywords: ['prd-plugin'], prd: { plugins: './dist/index.js' } }, pluginModule('evaluator', 'fss-plus'));
    writePackage(root, 'lodash', { keywords: ['util'] });
    writePackage(root, 'no-entry', { keywords: ['prd-plugin'] });
    const nested = join(root, 'project', 'sub');
    mkdirSync(nested, { recursive: true });
    expect(findPluginPackages([nested]).map((p) => p.name)).toEqual(['@acme/prd-source-grib', 'prd-fss-plus']);
    const registry = await discoverPlugins({ searchFrom: [nested] });
    expect(registry.list().map((r) => `${r.plugin.kind}:${r.plugin.name}@${r.origin.packageName}@${r.origin.version}`)).toEqual([
      'source:grib@@acme/prd-source-grib@1.2.3',
      'evaluator:fss-plus@prd-fss-plus@1.2.3',
    ]);
  });

  it('loads a recipe\'s extra plugins from a local module path', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'my-transform.mjs'), pluginModule('transform', 'clip-rain'));
    const registry = await discoverPlugins({ searchFrom: [], extra: ['./my-transform.mjs'], baseDir: root });
    expect(registry.get('transform', 'clip-rain')?.origin.version).toBe('local');
  });

  it('records what is wrong with a package that exports nothing, or an unbuilt one, and loads the others', async () => {
    const root = tempDir();
    writePackage(root, 'empty-plugin', { keywords: ['prd-plugin'], prd: { plugins: './dist/index.js' } }, 'export const x = 1;\n');
    writePackage(root, 'unbuilt', { keywords: ['prd-plugin'], prd: { plugins: './dist/index.js' } });
    writePackage(root, 'good', { keywords: ['prd-plugin'], prd: { plugins: './dist/index.js' } }, pluginModule('evaluator', 'good'));
    const registry = await discoverPlugins({ searchFrom: [root] });
    expect(registry.names('evaluator')).toEqual(['good']);
    expect(registry.failures.map((f) => f.message)).toEqual([
      'package empty-plugin exports no plugins; export an array of plugins as the default export',
      expect.stringMatching(/declares its plugins in .*dist\/index\.js, which does not exist; build the package/),
    ]);
    expect(() => registry.require('source', 'csv')).toThrow('these plugin packages failed to load: empty-plugin, unbuilt');
  });

  it('fails on a recipe\'s own plugin module that exports nothing', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'nothing.mjs'), 'export const x = 1;\n');
    await expect(discoverPlugins({ searchFrom: [], extra: ['./nothing.mjs'], baseDir: root })).rejects.toThrow('plugin "./nothing.mjs" exports no plugins');
  });

  it('reports an extra plugin that is not installed', async () => {
    await expect(discoverPlugins({ searchFrom: [], extra: ['prd-not-installed'], baseDir: tempDir() })).rejects.toThrow(
      'plugin package "prd-not-installed" is not installed; run npm install prd-not-installed',
    );
  });
});

describe('plugin discovery in an npm workspace', () => {
  it('finds a workspace package that is not installed yet (a freshly generated plugin), and prefers the installed copy', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'project', private: true, workspaces: ['plugins/*', 'tools/one'] }));
    const fresh = join(root, 'plugins', 'transform-clip');
    mkdirSync(join(fresh, 'dist'), { recursive: true });
    writeFileSync(join(fresh, 'package.json'), JSON.stringify({ name: '@me/transform-clip', version: '0.1.0', type: 'module', keywords: ['prd-plugin'], prd: { plugins: './dist/index.js' } }));
    writeFileSync(join(fresh, 'dist', 'index.js'), pluginModule('transform', 'clip'));
    mkdirSync(join(root, 'plugins', 'not-a-plugin'), { recursive: true });
    writeFileSync(join(root, 'plugins', 'not-a-plugin', 'package.json'), JSON.stringify({ name: 'not-a-plugin' }));
    writePackage(root, 'prd-installed', { keywords: ['prd-plugin'], prd: { plugins: './dist/index.js' } }, pluginModule('evaluator', 'brier'));
    const registry = await discoverPlugins({ searchFrom: [join(root, 'plugins')] });
    expect(registry.list().map((r) => `${r.plugin.kind}:${r.plugin.name}@${r.origin.packageName}`).sort()).toEqual(['evaluator:brier@prd-installed', 'transform:clip@@me/transform-clip']);
    expect(registry.failures).toEqual([]);
  });
});
