import { describe, expect, it } from 'vitest';
import { applyEditsToValue, migrateRecipeText, pendingMigrations, pluginSlotRefs, recipeFormatOf, RECIPE_FORMAT } from './migrate.js';
import type { OptionMigration } from './migrations/types.js';

// A format-1 recipe as users write them: odd spacing, a comment-free mix of layouts, keys in their own order.
const OLD = `{
  "$schema": "./recipe.schema.json",
  "name": "storms",
  "prd": "1",
  "train": {
    "epochs": 3,
    "earlyStopping": { "patience": 2,   "restoreBest": false },
    "batchSize": 64
  },
  "model": {"use": "conv1d-residual", "with": {"filters": 16, "kernel": 3}}
}
`;

describe('recipe migrations', () => {
  it('renames restoreBest to restoreBestWeights and sets the format, leaving every other byte as it was', () => {
    const migrated = migrateRecipeText(OLD, 'storms.json');
    expect(migrated.text).toBe(OLD.replace('"restoreBest"', '"restoreBestWeights"').replace('"prd": "1"', `"prd": "${RECIPE_FORMAT}"`));
    expect(migrated.applied.map((m) => m.name)).toEqual(['early-stopping-restore-best-weights']);
    expect(migrated.applied[0]!.pointers).toEqual(['/train/earlyStopping/restoreBest']);
    expect(migrated.from).toBe(1);
  });

  it('finds nothing to do in a migrated recipe', () => {
    const once = migrateRecipeText(OLD, 'storms.json').text;
    const twice = migrateRecipeText(once, 'storms.json');
    expect(twice.changed).toBe(false);
    expect(twice.text).toBe(once);
  });

  it('inserts the format after $schema in a recipe that never declared one', () => {
    const text = '{\n  "$schema": "./recipe.schema.json",\n  "name": "x"\n}\n';
    expect(migrateRecipeText(text, 'x.json').text).toBe(`{\n  "$schema": "./recipe.schema.json",\n  "prd": "${RECIPE_FORMAT}",\n  "name": "x"\n}\n`);
  });

  it('applies a plugin\'s own option migrations inside its "with"', () => {
    const kernelSize: OptionMigration = {
      name: 'conv1d-kernel-size',
      description: 'kernel is kernelSize',
      edits: (o) => ('kernel' in o ? [{ pointer: '/kernel', rename: 'kernelSize' }] : []),
    };
    const migrated = migrateRecipeText(OLD, 'storms.json', (v) => pluginSlotRefs(v, { '/model': 'model' }), (kind, use) => (kind === 'model' && use === 'conv1d-residual' ? [kernelSize] : []));
    expect(migrated.text).toContain('{"filters": 16, "kernelSize": 3}');
    expect(migrated.applied.map((m) => m.pointers[0])).toEqual(['/train/earlyStopping/restoreBest', '/model/with/kernel']);
  });

  it('migrates in memory too, keeping key order, for recipes read as they are', () => {
    const value = JSON.parse(OLD) as Record<string, unknown>;
    const edits = pendingMigrations(value).flatMap((p) => p.edits);
    const migrated = applyEditsToValue(value, edits) as { train: { earlyStopping: Record<string, unknown> } };
    expect(Object.keys(migrated.train.earlyStopping)).toEqual(['patience', 'restoreBestWeights']);
    expect(value).toEqual(JSON.parse(OLD));
  });

  it('refuses a recipe written for a newer format, naming the upgrade', () => {
    expect(() => recipeFormatOf({ prd: String(RECIPE_FORMAT + 1) }, 'new.json')).toThrow(/newer than this prd reads .*upgrade prd/);
    expect(() => recipeFormatOf({ prd: 'two' }, 'bad.json')).toThrow(/"prd" must be a recipe format version/);
  });
});
