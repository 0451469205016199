import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing.js';
import { definePlugin, KINDS, kind, planRun, PluginRegistry, recipeSchemaJson, resolveRecipe, type AnyPlugin, type PluginKind } from '@prd/core';
import { describe, expect, it } from 'vitest';
import pluginGenerator from './generators/plugin/generator.js';
import { generatorKinds } from './generators/plugin/kinds.js';

/** The one place a new kind is added: a declaration in the kinds table. */
interface Notifier {
  notify(message: string): Promise<void>;
}
const kinds = { ...KINDS, notifier: kind<Notifier>()({ slot: '/notify', field: 'notifiers', many: true, description: 'Sends a message when a run ends.' }) };

const plugin = (value: Omit<AnyPlugin, 'kind'> & { kind: string }) => definePlugin(value as AnyPlugin);
const plugins: AnyPlugin[] = [
  plugin({ kind: 'notifier', name: 'chat', description: 'Posts to a chat room', options: Type.Object({ room: Type.String({ default: 'runs' }) }, { additionalProperties: false }), create: (o) => ({ notify: async () => void o }) as never }),
  plugin({ kind: 'source', name: 'rows', description: 'Rows', options: Type.Object({}), create: () => ({ open: async () => ({ relation: { sql: 'SELECT 1.0 AS "a_5.0", 2.0 AS "a_10.0", 0.5 AS b' }, fingerprint: 'f', description: 'one row' }) }) }),
  plugin({ kind: 'domain', name: 'precip', description: 'Domain', options: Type.Object({}), create: () => ({ bandSets: {}, defaults: { metadata: [], targetSource: 't', nwpSource: 'n' }, mlPrefix: (p: string) => `ml_${p}`, ensembleProbabilities: (r: never) => r }) }),
  plugin({ kind: 'sampler', name: 'all', description: 'Split', options: Type.Object({}), create: () => ({ assign: (r: never) => r }) }),
  plugin({ kind: 'model', name: 'tiny', description: 'Model', options: Type.Object({}), create: () => ({ build: () => ({}) }) }),
  plugin({ kind: 'backend', name: 'local', description: 'Backend', options: Type.Object({}), create: () => ({ describe: () => 'here', train: async () => ({}) as never, predict: async () => new Float32Array() }) }),
];

describe('the kinds table', () => {
  it('a kind added in one place appears in the recipe schema, in plan and in the generator', async () => {
    const registry = new PluginRegistry(kinds);
    for (const p of plugins) registry.register(p, { packageName: 'test', version: '1.0.0', path: '.' });

    // The recipe schema has the slot, a list of the installed notifiers with their options.
    const schema = recipeSchemaJson(registry) as { properties: Record<string, { type: string; items: { oneOf: Array<{ properties: { use: { const: string } } }> } }> };
    expect(schema.properties.notify.type).toBe('array');
    expect(schema.properties.notify.items.oneOf.map((o) => o.properties.use.const)).toEqual(['chat']);

    // A recipe naming it validates, and plan lists it among the plugins with its slot, options defaults applied.
    const dir = mkdtempSync(join(tmpdir(), 'prd-kinds-'));
    const recipe = {
      name: 'kinds',
      // plan runs the (lazy) load and transform steps, so the features must resolve against the rows' columns.
      data: { source: { use: 'rows' }, features: { profile: ['a'], target: { column: 'b' }, baseline: false } },
      split: { use: 'all' },
      model: { use: 'tiny' },
      train: { epochs: 1 },
      notify: [{ use: 'chat' }],
    };
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify(recipe));
    const resolved = await resolveRecipe(join(dir, 'recipe.json'), { registry });
    const plan = await planRun(resolved, { cacheDir: join(dir, 'cache') });
    expect(plan.plugins.find((p) => p.kind === 'notifier')).toEqual({ slot: '/notify/0', kind: 'notifier', name: 'chat', package: 'test', version: '1.0.0' });
    // The defaults of the table fill what the recipe left out: the domain and the backend.
    expect(plan.plugins.map((p) => `${p.slot}=${p.name}`)).toEqual(['/data/source=rows', '/data/domain=precip', '/split=all', '/model=tiny', '/compute=local', '/notify/0=chat']);

    // The generator offers the kind and scaffolds a plugin of it.
    expect(generatorKinds(kinds).map((k) => k.kind)).toContain('notifier');
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'notifier-mail', kind: 'notifier' as PluginKind }, kinds);
    expect(tree.read('plugins/notifier-mail/src/mail.ts', 'utf8')).toContain("kind: 'notifier'");
  });

  it('a recipe that leaves out a slot without a default is told which slot is missing', async () => {
    const registry = new PluginRegistry(kinds);
    for (const p of plugins.filter((p) => p.kind !== 'backend')) registry.register(p, { packageName: 'test', version: '1.0.0', path: '.' });
    const dir = mkdtempSync(join(tmpdir(), 'prd-kinds-'));
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify({ name: 'k', data: { source: { use: 'rows' }, features: { profile: ['a'], target: { column: 'a' } } }, split: { use: 'all' }, model: { use: 'tiny' }, train: {} }));
    const resolved = await resolveRecipe(join(dir, 'recipe.json'), { registry });
    await expect(planRun(resolved, { cacheDir: join(dir, 'cache') })).rejects.toThrow(/no backend plugin is named "local"/);
  });
});
