import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrdError } from '../errors.js';
import { tempDir } from '../test-support/plugins.js';
import { loadRecipe } from './load.js';

function write(dir: string, name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

describe('loadRecipe', () => {
  it('merges extends parents first and remembers which file set each value', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'base'));
    const base = write(join(dir, 'base'), 'base.json', { name: 'base', seed: 1, train: { epochs: 10, batchSize: 64 }, model: { use: 'mlp', with: { units: [8] } } });
    const child = write(dir, 'child.json', { extends: './base/base.json', name: 'child', train: { epochs: 3 }, model: { use: 'conv1d' } });
    const loaded = loadRecipe(child);
    expect(loaded.value).toEqual({ extends: './base/base.json', name: 'child', seed: 1, train: { epochs: 3, batchSize: 64 }, model: { use: 'conv1d' } });
    expect(loaded.provenance.get('/train/epochs')).toMatchObject({ kind: 'file', file: child });
    expect(loaded.provenance.get('/train/batchSize')).toMatchObject({ kind: 'file', file: base });
    // Changing a slot's plugin drops the old plugin's options rather than mixing them in.
    expect(loaded.provenance.get('/model/with/units')).toBeUndefined();
    expect(loaded.files).toEqual([base, child]);
  });

  it('applies --set overrides after the files and records the flag', () => {
    const dir = tempDir();
    const file = write(dir, 'r.json', { name: 'r', train: { epochs: 10 }, track: [{ use: 'mlflow' }] });
    const loaded = loadRecipe(file, ['train.epochs=2', 'track[0].with.uri=http://x', 'data.features.profile=["a","b"]']);
    expect(loaded.value).toMatchObject({ train: { epochs: 2 }, track: [{ use: 'mlflow', with: { uri: 'http://x' } }], data: { features: { profile: ['a', 'b'] } } });
    expect(loaded.provenance.get('/train/epochs')).toEqual({ kind: 'flag', flag: '--set train.epochs=2' });
  });

  it('reports JSON syntax errors with line and column', () => {
    const dir = tempDir();
    const file = write(dir, 'bad.json', '{\n  "name": "x",\n  "seed": 1\n  "train": {}\n}\n');
    expect(() => loadRecipe(file)).toThrow(PrdError);
    try {
      loadRecipe(file);
    } catch (error) {
      expect((error as PrdError).issues[0]).toMatchObject({ file, line: 4, column: 3, message: 'invalid JSON: expected a comma' });
    }
  });

  it('reports a missing file, a missing parent and an extends cycle', () => {
    const dir = tempDir();
    expect(() => loadRecipe(join(dir, 'nope.json'))).toThrow(/cannot load recipe/);
    write(dir, 'a.json', { extends: './b.json', name: 'a' });
    write(dir, 'b.json', { extends: './a.json', name: 'b' });
    try {
      loadRecipe(join(dir, 'a.json'));
      expect.unreachable();
    } catch (error) {
      expect((error as PrdError).issues[0].message).toMatch(/"extends" makes a cycle: .*a\.json -> .*b\.json -> .*a\.json/);
    }
  });

  it('rejects a malformed --set', () => {
    const dir = tempDir();
    const file = write(dir, 'r.json', { name: 'r', seed: 3 });
    expect(() => loadRecipe(file, ['seed'])).toThrow(/cannot load recipe/);
    expect(() => loadRecipe(file, ['seed.x=1'])).toThrow(PrdError);
  });
});
