import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, workDir } from '../test/cli.js';
import type { PluginRow } from './plugins.js';

describe('prd plugins, schema and init', () => {
  it('lists the installed plugins with kind, name, package and version', () => {
    const result = prd(['plugins', '--json'], workDir());
    expect(result.status).toBe(0);
    const rows = JSON.parse(result.stdout) as PluginRow[];
    const names = rows.map((r) => `${r.kind}:${r.name}`);
    for (const expected of ['source:synthetic', 'source:csv', 'sampler:time-space', 'model:conv1d-residual', 'backend:local', 'evaluator:fss']) {
      expect(names).toContain(expected);
    }
    expect(rows.find((r) => r.name === 'synthetic')).toMatchObject({ package: '@prd/source-synthetic', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const table = prd(['plugins', '--kind', 'sampler'], workDir()).stdout;
    expect(table.split('\n')[0]).toMatch(/^kind\s+name\s+package\s+version\s+description$/);
    expect(table).not.toContain('conv1d-residual');
  });

  it('writes the composed schema', () => {
    const dir = workDir();
    const result = prd(['schema', '--out', 'schema/recipe.schema.json'], dir);
    expect(result.status).toBe(0);
    const schema = JSON.parse(readFileSync(join(dir, 'schema', 'recipe.schema.json'), 'utf8'));
    const samplers = schema.properties.split.oneOf.map((b: { properties: { use: { const: string } } }) => b.properties.use.const);
    expect(samplers).toEqual(expect.arrayContaining(['random', 'time-space', 'by-time', 'by-event']));
  });

  it('writes a starter recipe that validates, and never overwrites one', () => {
    const dir = workDir();
    const first = prd(['init', 'storms'], dir);
    expect(first.status).toBe(0);
    expect(existsSync(join(dir, 'recipes', 'storms.json'))).toBe(true);
    expect(existsSync(join(dir, 'recipes', 'recipe.schema.json'))).toBe(true);
    expect(prd(['validate', 'recipes/storms.json'], dir).status).toBe(0);
    const again = prd(['init', 'storms'], dir);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('recipes/storms.json already exists');
  });

  it('writes --data relative to the recipe, so a glob typed from the project root finds the files', () => {
    const dir = workDir();
    expect(prd(['data', 'synth', '--out', 'data', '--events', '1', '--times', '1', '--cells', '3', '--members', '2'], dir).status).toBe(0);
    expect(prd(['init', 'storms', '--data', 'data/**/prd_merged_*.csv'], dir).status).toBe(0);
    const recipe = JSON.parse(readFileSync(join(dir, 'recipes', 'storms.json'), 'utf8'));
    expect(recipe.data.source.with.paths).toEqual(['../data/**/prd_merged_*.csv']);
    // plan opens the source: it fails when the glob matches nothing.
    const plan = prd(['plan', 'recipes/storms.json', '--json'], dir);
    expect(plan.status, plan.stderr).toBe(0);
  });
});
