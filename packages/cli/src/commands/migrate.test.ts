import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, workDir } from '../test/cli.js';

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
});
