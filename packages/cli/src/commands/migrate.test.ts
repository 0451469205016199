import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';

const OLD = `{
  "name": "storms",
  "train": { "earlyStopping": { "restoreBest": true } }
}
`;

describe('prd migrate', () => {
  it('--check reports what would change and exits 1; without it, rewrites the recipe once', () => {
    const dir = workDir();
    writeFileSync(join(dir, 'r.json'), OLD);
    const check = prd(['migrate', 'r.json', '--check'], dir);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('would migrate r.json from recipe format 1 to 2');
    expect(check.stdout).toContain('early-stopping-restore-best-weights');
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).toBe(OLD);

    expect(prd(['migrate', 'r.json'], dir).status).toBe(0);
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).toBe('{\n  "prd": "2",\n  "name": "storms",\n  "train": { "earlyStopping": { "restoreBestWeights": true } }\n}\n');
    const again = prd(['migrate', 'r.json', '--check', '--json'], dir);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([{ file: 'r.json', from: 2, to: 2, changed: false, applied: [] }]);
  });

  it('a recipe of the older format still runs, warns naming prd migrate, and keeps its setting under the new name', { timeout: 600_000 }, () => {
    const dir = workDir();
    // Written before train.earlyStopping.restoreBest was renamed restoreBestWeights (recipe format 2).
    const old = `{
  "extends": ${JSON.stringify(join(RECIPES, 'quickstart.json'))},
  "train": { "epochs": 2, "earlyStopping": { "patience": 1, "restoreBest": false } },
  "explain": []
}
`;
    writeFileSync(join(dir, 'old.json'), old);
    const run = prd(['run', 'old.json', '--set', 'data.source.with.cells=40', '--set', 'data.source.with.times=2', '--json', '--progress', 'none'], dir);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('warning: old.json is written for an older recipe format; read as format 2:');
    expect(run.stderr).toContain('rewrite it with: prd migrate old.json');
    const runDir = (JSON.parse(run.stdout) as { runDir: string }).runDir;
    const resolved = JSON.parse(readFileSync(join(runDir, 'recipe.resolved.json'), 'utf8')) as { train: { earlyStopping: Record<string, unknown> } };
    expect(resolved.train.earlyStopping).toMatchObject({ restoreBestWeights: false });
    expect(resolved.train.earlyStopping).not.toHaveProperty('restoreBest');

    expect(prd(['migrate', 'old.json'], dir).status).toBe(0);
    expect(readFileSync(join(dir, 'old.json'), 'utf8')).toBe(old.replace('{\n', '{\n  "prd": "2",\n').replace('"restoreBest"', '"restoreBestWeights"'));
    const again = prd(['validate', 'old.json', '--schema-only'], dir);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('older recipe format');
  });
});
