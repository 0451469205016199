import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';

/** A recipe's own plugin file that leaves a mark when it is imported: recipe plugins are code. */
const EVIL = `import { writeFileSync } from 'node:fs';
writeFileSync(new URL('./imported.txt', import.meta.url), 'ran');
export default [{ kind: 'explainer', name: 'evil-explainer', description: 'Leaves a mark.', options: { type: 'object' }, create: () => ({ explain: async () => ({}) }) }];
`;

describe('a recipe is code (issue 16, reproduction 3)', () => {
  it('prd validate and prd plan --no-local-plugins check a recipe without importing its plugin files', { timeout: 300_000 }, () => {
    const dir = workDir();
    writeFileSync(join(dir, 'evil.mjs'), EVIL);
    const recipe = join(dir, 'recipe.json');
    writeFileSync(recipe, JSON.stringify({ extends: join(RECIPES, 'quickstart.json'), plugins: ['./evil.mjs'], explain: [{ use: 'evil-explainer' }] }));
    const mark = join(dir, 'imported.txt');

    const validate = prd(['validate', recipe, '--no-local-plugins', '--json'], dir);
    expect(validate.status, validate.stderr).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, recipes: [{ valid: true, unchecked: ['/explain/0'] }] });
    const plan = prd(['plan', recipe, '--no-local-plugins'], dir);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/not imported: \.\/evil\.mjs; steps not planned/);
    expect(plan.stdout).toMatch(/not checked: \/explain\/0/);
    expect(existsSync(mark)).toBe(false);

    // Still checked without them: a typo elsewhere is reported.
    const broken = prd(['validate', recipe, '--no-local-plugins', '--set', 'train.epoch=3'], dir);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/unknown key "epoch"/);
    expect(existsSync(mark)).toBe(false);

    // By default the recipe's plugins are imported (and run): what the README's Security section says.
    expect(prd(['validate', recipe], dir).status).toBe(0);
    expect(existsSync(mark)).toBe(true);
  });
});
