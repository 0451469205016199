import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
    const payload = JSON.parse(result.stdout) as { error: { issues: Array<{ pointer: string; suggestion?: string; line: number }> } };
    expect(payload.error.issues.map((i) => i.pointer).sort()).toEqual(['/data/source/use', '/model', '/train/batchSize', '/train/epoch']);
    expect(payload.error.issues.find((i) => i.pointer === '/train/epoch')?.suggestion).toBe('epochs');
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
