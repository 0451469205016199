import { describe, expect, it } from 'vitest';
import { PrdError } from '../errors.js';
import { testPlugins } from '../test-support/plugins.js';
import { PluginRegistry } from './registry.js';

const csv = testPlugins.find((p) => p.name === 'csv')!;

describe('PluginRegistry', () => {
  it('finds plugins by kind and name and lists them sorted by kind', () => {
    const registry = new PluginRegistry();
    for (const plugin of testPlugins) registry.register(plugin, { packageName: 'pkg', version: '1.0.0', path: '/p' });
    expect(registry.get('source', 'csv')?.plugin).toBe(csv);
    expect(registry.names('source')).toEqual(['csv', 'synthetic']);
    expect(registry.list().map((r) => r.plugin.kind)).toEqual(['source', 'source', 'domain', 'transform', 'sampler', 'model', 'backend', 'evaluator']);
  });

  it('rejects two plugins of one kind and name from different packages, naming both', () => {
    const registry = new PluginRegistry();
    registry.register(csv, { packageName: '@prd/source-csv', version: '1.0.0', path: '/a' });
    expect(() => registry.register({ ...csv }, { packageName: 'acme-csv', version: '2.0.0', path: '/b' })).toThrow(
      'two source plugins are named "csv": one in @prd/source-csv@1.0.0 (/a) and one in acme-csv@2.0.0 (/b); uninstall one of them',
    );
  });

  it('ignores the same package registered twice', () => {
    const registry = new PluginRegistry();
    registry.register(csv, { packageName: '@prd/source-csv', version: '1.0.0', path: '/a' });
    registry.register(csv, { packageName: '@prd/source-csv', version: '1.0.0', path: '/a-again' });
    expect(registry.list()).toHaveLength(1);
  });

  it('explains a missing plugin with the closest installed name', () => {
    const registry = new PluginRegistry();
    registry.register(csv, { packageName: 'p', version: '1', path: '/' });
    expect(() => registry.require('source', 'cvs', '/data/source/use')).toThrow('no source plugin is named "cvs"; did you mean "csv"? (installed: csv)');
  });

  it('rejects objects that are not plugins, saying what is wrong', () => {
    const registry = new PluginRegistry();
    const origin = { packageName: 'bad-pkg', version: '1', path: '/bad' };
    expect(() => registry.register({ ...csv, kind: 'sorce' as never }, origin)).toThrow(/bad-pkg .* has kind "sorce"; expected one of source, domain, transform/);
    expect(() => registry.register({ ...csv, name: 'CSV Reader' }, origin)).toThrow(PrdError);
    expect(() => registry.register({ ...csv, create: undefined as never }, origin)).toThrow(/has no create\(\) function/);
  });
});
