import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';

function brokenRecipe(dir: string): { file: string; text: string } {
  const recipe = JSON.parse(readFileSync(join(RECIPES, 'quickstart.json'), 'utf8'));
  recipe.train = { epoch: 3, batchSize: '64' };
  recipe.data.source = { use: 'csvv', with: { paths: ['data/*.csv'] } };
  delete recipe.model;
  const text = `${JSON.stringify(recipe, null, 2)}\n`;
  const file = join(dir, 'broken.json');
  writeFileSync(file, text);
  return { file, text };
}

interface ValidateJson {
  valid: boolean;
  message: string;
  recipes: Array<{ file: string; valid: boolean; issues: Array<{ pointer?: string; suggestion?: string; line?: number; message: string }> }>;
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('prd validate', () => {
  it('accepts the quickstart recipe', () => {
    const result = prd(['validate', join(RECIPES, 'quickstart.json')], workDir());
    expect(result.stdout).toContain('quickstart.json is valid');
    expect(result.status).toBe(0);
  });

  it('reports a typo, a wrong type, an unknown plugin and a missing field at once, located, exit 2, no stack trace', () => {
    const dir = workDir();
    const { text } = brokenRecipe(dir);
    const result = prd(['validate', 'broken.json'], dir);
    expect(result.status).toBe(2);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toBe('error: broken.json: 4 problems in the recipe');
    expect(result.stderr).toContain(`broken.json:${lineOf(text, '"epoch"')}:5: /train/epoch: unknown key "epoch"; did you mean "epochs"?`);
    expect(result.stderr).toContain(`broken.json:${lineOf(text, '"batchSize"')}:5: /train/batchSize: expected integer, got string "64"; write 64 without quotes`);
    expect(result.stderr).toMatch(new RegExp(`broken\\.json:${lineOf(text, '"csvv"')}:\\d+: /data/source/use: unknown source plugin "csvv"; did you mean "csv"\\?`));
    expect(result.stderr).toContain('broken.json:1:1: /model: missing required key "model"');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints the same problems as JSON with --json', () => {
    const dir = workDir();
    brokenRecipe(dir);
    const result = prd(['validate', 'broken.json', '--json'], dir);
    expect(result.status).toBe(2);
    const payload = JSON.parse(result.stdout) as ValidateJson;
    expect(payload.valid).toBe(false);
    expect(payload.recipes[0]).toMatchObject({ file: 'broken.json', valid: false });
    const issues = payload.recipes[0]!.issues;
    expect(issues.map((i) => i.pointer).sort()).toEqual(['/data/source/use', '/model', '/train/batchSize', '/train/epoch']);
    expect(issues.find((i) => i.pointer === '/train/epoch')?.suggestion).toBe('epochs');
  });

  it('prints one JSON shape for a valid and an invalid recipe (issue 18 item 9)', () => {
    const dir = workDir();
    brokenRecipe(dir);
    writeFileSync(join(dir, 'good.json'), readFileSync(join(RECIPES, 'quickstart.json'), 'utf8').replace('"./recipe.schema.json"', `"${join(RECIPES, 'recipe.schema.json')}"`));
    const good = JSON.parse(prd(['validate', 'good.json', '--json'], dir).stdout) as ValidateJson;
    const bad = JSON.parse(prd(['validate', 'broken.json', '--json'], dir).stdout) as ValidateJson;
    expect(Object.keys(good).sort()).toEqual(Object.keys(bad).sort());
    expect(Object.keys(good.recipes[0]!).sort()).toEqual(Object.keys(bad.recipes[0]!).sort());
    expect(good).toMatchObject({ valid: true, recipes: [{ file: 'good.json', valid: true, issues: [] }] });
  });

  it('names the file of a recipe that does not exist, and a JSON syntax error by line', () => {
    const dir = workDir();
    expect(prd(['validate', 'nope.json'], dir).stderr).toMatch(/nope\.json: recipe file not found/);
    writeFileSync(join(dir, 'bad.json'), '{\n  "name": "x",\n}\n');
    const result = prd(['validate', 'bad.json'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/bad\.json:3:1: invalid JSON/);
  });
});

describe('prd validate checks the data without running (issue 18 item 3)', () => {
  let dir: string;
  let recipe: Record<string, any>;
  beforeAll(() => {
    dir = workDir();
    const synth = prd(['data', 'synth', '--out', 'data/small', '--events', '1', '--times', '1', '--cells', '4', '--members', '2'], dir);
    expect(synth.status, synth.stderr).toBe(0);
    recipe = JSON.parse(readFileSync(join(RECIPES, 'quickstart.json'), 'utf8'));
    delete recipe.$schema;
    recipe.data.source = { use: 'csv', with: { paths: ['data/small'] } };
  });
  const write = (name: string, change: (r: Record<string, any>) => void): string => {
    const copy = structuredClone(recipe);
    change(copy);
    writeFileSync(join(dir, name), `${JSON.stringify(copy, null, 2)}\n`);
    return name;
  };

  it('accepts a recipe whose data is there', () => {
    const result = prd(['validate', write('ok.json', () => {})], dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('ok.json is valid');
  });

  it('names the nearest existing path of a data path that matches nothing (data/smal: did you mean data/small)', () => {
    const file = write('smal.json', (r) => (r.data.source.with.paths = ['data/smal']));
    const result = prd(['validate', file], dir);
    expect(result.stdout).not.toContain('is valid');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/smal\.json:\d+:\d+: \/data\/source\/with\/paths\/0: .*did you mean "data\/small"\?/);
  });

  it('names a column of the recipe that the data header lacks, with the nearest', () => {
    const file = write('column.json', (r) => (r.data.features.profile[1] = 'relative_humidty'));
    const result = prd(['validate', file], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('relative_humidty');
    expect(result.stderr).toContain('relative_humidity');
  });

  it('reports a model whose shape does not fit the features', () => {
    const file = write('shape.json', (r) => {
      r.data.features.singleLevel = ['latitude'];
      r.model = { use: 'conv1d-residual', with: { denseUnits: 7 } };
    });
    const result = prd(['validate', file], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/\/model: .*heights x profile features/);
  });
});
