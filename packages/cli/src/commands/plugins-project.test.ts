import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';
import type { PluginRow } from './plugins.js';

/** Install a plugin package into a project's node_modules as npm would (package.json + built entry). */
function install(project: string, name: string, entry: string): void {
  const dir = join(project, 'node_modules', ...name.split('/'));
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '2.0.0', type: 'module', keywords: ['prd-plugin'], prd: { plugins: './dist/index.js' } }));
  writeFileSync(join(dir, 'dist', 'index.js'), entry);
}

// A real transform: keeps the rows whose column is at most a limit (plain JavaScript, as a published package ships).
const capRows = `
export default [{
  kind: 'transform', name: 'cap', description: 'Keeps rows whose column is at most a limit.',
  options: { type: 'object', properties: { column: { type: 'string' }, max: { type: 'number', default: 50 } }, required: ['column'], additionalProperties: false },
  create(options) {
    return { apply: (input) => ({ sql: 'SELECT * FROM (' + input.sql + ') WHERE "' + options.column + '" <= ' + Number(options.max) }) };
  },
}];
`;

describe("plugins installed in a user's own project", () => {
  let project: string;
  beforeAll(() => {
    project = workDir();
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-study', private: true }));
    install(project, '@acme/prd-cap', capRows);
    install(project, 'prd-broken', "throw new Error('this plugin is broken on purpose');\n");
  });

  it('are listed by prd plugins, and a broken one is named on stderr without hiding the others', () => {
    const result = prd(['plugins', '--json'], project);
    expect(result.status).toBe(0);
    const rows = JSON.parse(result.stdout) as PluginRow[];
    expect(rows).toContainEqual(expect.objectContaining({ kind: 'transform', name: 'cap', package: '@acme/prd-cap', version: '2.0.0' }));
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['csv', 'synthetic', 'fss', 'local']));
    expect(result.stderr).toContain('prd-broken');
    expect(result.stderr).toContain('this plugin is broken on purpose');
  });

  it('are usable in a recipe, with their options checked', () => {
    const recipe = JSON.parse(readFileSync(join(RECIPES, 'quickstart.json'), 'utf8'));
    delete recipe.$schema;
    recipe.data.transforms.push({ use: 'cap', with: { column: 'radar_mean_rain_instant', max: 20 } });
    writeFileSync(join(project, 'capped.json'), JSON.stringify(recipe, null, 2));
    const ok = prd(['validate', 'capped.json'], project);
    expect(ok.stdout + ok.stderr).toContain('capped.json is valid');
    recipe.data.transforms.at(-1).with = { max: 20 };
    writeFileSync(join(project, 'uncapped.json'), JSON.stringify(recipe, null, 2));
    const bad = prd(['validate', 'uncapped.json'], project);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/\/data\/transforms\/3\/with.*column/);
  });
});
