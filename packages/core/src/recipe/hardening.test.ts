import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrdError } from '../errors.js';
import { tempDir, testRegistry } from '../test-support/plugins.js';
import { loadRecipe } from './load.js';
import { resolveRecipe } from './resolve.js';

const valid = {
  name: 'demo',
  data: { source: { use: 'csv', with: { paths: ['data/*.csv'] } }, features: { profile: ['air_temperature'], target: { bands: 'standard-5' } } },
  split: { use: 'random' },
  model: { use: 'mlp' },
  train: { epochs: 3, batchSize: 64 },
};

function writeText(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function loadError(run: () => unknown): PrdError {
  try {
    run();
  } catch (error) {
    if (error instanceof PrdError) return error;
    throw error;
  }
  throw new Error('expected a PrdError');
}

async function resolveError(file: string, overrides: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<PrdError> {
  const error = await resolveRecipe(file, { registry: testRegistry(), env, overrides }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof PrdError) return error;
  throw error instanceof Error ? error : new Error('expected a PrdError');
}

describe('recipe hardening: non-finite numbers (issue 16, reproduction 6)', () => {
  it('rejects 1e999 written in a recipe, naming the pointer and line', async () => {
    const dir = tempDir();
    const text = JSON.stringify(valid, null, 2).replace('"epochs": 3', '"epochs": 1e999');
    const error = await resolveError(writeText(dir, 'r.json', text));
    const issue = error.issues.find((i) => i.pointer === '/train/epochs');
    expect(issue?.message).toMatch(/not a finite number/);
    expect(issue?.line).toBeGreaterThan(1);
  });

  it('rejects a non-finite number from --set and from an environment variable', async () => {
    const dir = tempDir();
    const file = writeText(dir, 'r.json', JSON.stringify({ ...valid, seed: '${env:SEED}' }));
    const error = await resolveError(file, ['train.batchSize=-1e999'], { SEED: '1e400' });
    expect(error.issues.map((i) => i.pointer).sort()).toEqual(['/seed', '/train/batchSize']);
    expect(error.issues.every((i) => /not a finite number/.test(i.message))).toBe(true);
  });
});

describe('recipe hardening: structure (issue 16, reproduction 7)', () => {
  it('limits how deeply a recipe nests, with a clear error instead of a stack overflow', () => {
    const dir = tempDir();
    const file = writeText(dir, 'deep.json', `{"name": ${'['.repeat(200_000)}`);
    const error = loadError(() => loadRecipe(file));
    expect(error.issues[0].message).toMatch(/nested more than \d+ levels deep/);
    expect(error.issues[0].line).toBe(1);
  });

  it('limits a chain of extends, naming the limit', () => {
    const dir = tempDir();
    for (let i = 0; i < 2000; i++) writeText(dir, `r${i}.json`, JSON.stringify({ extends: `./r${i + 1}.json`, name: `r${i}` }));
    writeText(dir, 'r2000.json', JSON.stringify({ name: 'root' }));
    const error = loadError(() => loadRecipe(join(dir, 'r0.json')));
    expect(error.issues.some((i) => /"extends" chain is longer than \d+ files/.test(i.message))).toBe(true);
  });

  it('loads each file of an extends diamond once (24 levels in well under a second)', () => {
    const dir = tempDir();
    writeText(dir, 'd24.json', JSON.stringify({ name: 'bottom', train: { epochs: 1 } }));
    for (let i = 23; i >= 0; i--) {
      writeText(dir, `a${i}.json`, JSON.stringify({ extends: `./d${i + 1}.json`, seed: i }));
      writeText(dir, `b${i}.json`, JSON.stringify({ extends: `./d${i + 1}.json`, name: `b${i}` }));
      writeText(dir, `d${i}.json`, JSON.stringify({ extends: [`./a${i}.json`, `./b${i}.json`] }));
    }
    const started = performance.now();
    const loaded = loadRecipe(join(dir, 'd0.json'));
    expect(performance.now() - started).toBeLessThan(1000);
    // b0 merges after a0 and carries the deepest a's seed through d1.
    expect(loaded.value).toMatchObject({ name: 'b0', seed: 23, train: { epochs: 1 } });
    expect(new Set(loaded.files).size).toBe(loaded.files.length);
  });

  it('refuses --set paths through __proto__, constructor or prototype, and leaves Object.prototype alone', () => {
    const dir = tempDir();
    const file = writeText(dir, 'r.json', JSON.stringify(valid));
    for (const path of ['__proto__.polluted', 'train.constructor.prototype.polluted', 'model.prototype']) {
      const error = loadError(() => loadRecipe(file, [`${path}=1`]));
      expect(error.issues[0].message).toMatch(/__proto__|constructor|prototype/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses __proto__ as a key written in a recipe', () => {
    const dir = tempDir();
    const file = writeText(dir, 'r.json', '{"name": "x", "train": {"__proto__": {"polluted": 1}}}');
    const error = loadError(() => loadRecipe(file));
    expect(error.issues[0]).toMatchObject({ pointer: '/train/__proto__', line: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
