import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recipeSchemaJson } from '@prd/core';
import { getLanguageService, TextDocument, type Diagnostic } from 'vscode-json-languageservice';
import { describe, expect, it } from 'vitest';
import { installedPlugins } from '../plugins.js';
import { prd, RECIPES, workDir } from '../test/cli.js';

const SCHEMA_URI = 'file:///recipes/recipe.schema.json';

/** What VS Code's JSON language service reports for `text` checked against `schema`, as an editor would show it. */
async function editorDiagnostics(text: string, schema: object): Promise<Diagnostic[]> {
  const service = getLanguageService({ schemaRequestService: async () => JSON.stringify(schema) });
  service.configure({ validate: true, allowComments: false, schemas: [{ uri: SCHEMA_URI, fileMatch: ['*.json'], schema }] });
  const document = TextDocument.create('file:///recipes/recipe.json', 'json', 1, text);
  return service.doValidation(document, service.parseJSONDocument(document), { schemaValidation: 'error' });
}

const committedSchema = (): object => JSON.parse(readFileSync(join(RECIPES, 'recipe.schema.json'), 'utf8')) as object;
const shippedRecipes = readdirSync(RECIPES).filter((f) => f.endsWith('.json') && f !== 'recipe.schema.json');

describe('the recipe schema in an editor (VS Code JSON language service)', () => {
  it.each(shippedRecipes)('shows no problem in the shipped recipe %s', async (file) => {
    const diagnostics = await editorDiagnostics(readFileSync(join(RECIPES, file), 'utf8'), committedSchema());
    expect(diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('shows a typo in a recipe, on its line', async () => {
    const text = readFileSync(join(RECIPES, 'quickstart.json'), 'utf8').replace('"epochs": 3', '"epoch": 3');
    const diagnostics = await editorDiagnostics(text, committedSchema());
    const line = text.split('\n').findIndex((l) => l.includes('"epoch"'));
    expect(diagnostics.some((d) => d.range.start.line === line && /epoch/.test(typeof d.message === 'string' ? d.message : d.message.value))).toBe(true);
  });

  it('shows no problem for options left to their defaults', async () => {
    const recipe = JSON.parse(readFileSync(join(RECIPES, 'quickstart.json'), 'utf8')) as Record<string, unknown>;
    delete recipe.seed;
    recipe.compute = { use: 'local', with: {} };
    recipe.split = { use: 'time-space' };
    const diagnostics = await editorDiagnostics(JSON.stringify(recipe, null, 2), committedSchema());
    expect(diagnostics.map((d) => d.message)).toEqual([]);
  });

  it('is what `prd schema` writes from the installed plugins (run `prd schema` after changing a plugin\'s options)', async () => {
    expect(committedSchema()).toEqual(recipeSchemaJson(await installedPlugins()));
  });

  it('`prd schema --stdout` prints the composed schema', () => {
    const result = prd(['schema', '--stdout'], workDir());
    expect(result.status).toBe(0);
    const schema = JSON.parse(result.stdout) as { title: string; if: unknown; else: { required: string[] } };
    // Required only of a recipe without "extends" (whose parent gives the rest), and never what has a default.
    expect(schema).toMatchObject({ title: 'prd recipe', if: { required: ['extends'] } });
    expect(schema.else.required).toEqual(expect.arrayContaining(['name', 'data', 'model']));
    expect(schema.else.required).not.toContain('seed');
  });
});
