import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrdError } from '../errors.js';
import { tempDir, testRegistry } from '../test-support/plugins.js';
import { resolveRecipe } from './resolve.js';

const valid = {
  name: 'demo',
  data: {
    source: { use: 'csv', with: { paths: ['data/*.csv'] } },
    features: { profile: ['air_temperature'], target: { bands: 'standard-5' } },
    transforms: [{ use: 'drop-missing' }],
  },
  split: { use: 'random' },
  model: { use: 'mlp' },
  train: { epochs: 3, batchSize: 64 },
  evaluate: [{ use: 'fss' }],
};

function writeRecipe(value: unknown): string {
  const file = join(tempDir(), 'recipe.json');
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

async function problems(value: unknown) {
  const file = writeRecipe(value);
  const error = await resolveRecipe(file, { registry: testRegistry(), env: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PrdError);
  return { file, issues: (error as PrdError).issues };
}

describe('recipe validation', () => {
  it('accepts a valid recipe and fills defaults', async () => {
    const resolved = await resolveRecipe(writeRecipe(valid), { registry: testRegistry(), env: {} });
    expect(resolved.recipe.seed).toBe(42);
    expect(resolved.recipe.split.with).toEqual({ validation: 0.2, test: 0.2 });
    expect(resolved.provenance.get('/seed')).toEqual({ kind: 'default' });
  });

  it('reports a typo, a wrong type, an unknown plugin and a missing field in one go, each located', async () => {
    const broken = structuredClone(valid) as Record<string, any>;
    broken.train = { epoch: 3, batchSize: '64' };
    broken.data.source = { use: 'csvv', with: { paths: ['x.csv'] } };
    delete broken.model;
    const { file, issues } = await problems(broken);
    const byPointer = Object.fromEntries(issues.map((i) => [i.pointer, i]));

    expect(byPointer['/train/epoch'].message).toBe('unknown key "epoch"; did you mean "epochs"?');
    expect(byPointer['/train/epoch'].suggestion).toBe('epochs');
    expect(byPointer['/train/batchSize'].message).toBe('expected integer, got string "64"; write 64 without quotes');
    expect(byPointer['/data/source/use'].message).toMatch(/unknown source plugin "csvv"; did you mean "csv"\?/);
    expect(byPointer['/model'].message).toBe('missing required key "model"');
    for (const issue of issues) expect(issue.file).toBe(file);
    // Lines point at the keys in the file as written (2-space JSON: "epoch" is on the line after "train").
    const lines = JSON.stringify(broken, null, 2).split('\n');
    const lineOf = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
    expect(byPointer['/train/epoch'].line).toBe(lineOf('"epoch"'));
    expect(byPointer['/train/batchSize'].line).toBe(lineOf('"batchSize"'));
    expect(byPointer['/data/source/use'].line).toBe(lineOf('"csvv"'));
    expect(byPointer['/model'].line).toBe(1);
  });

  it('suggests allowed words for literal unions and checks plugin options', async () => {
    const broken = structuredClone(valid) as Record<string, any>;
    broken.train.loss = 'kl-divergance';
    broken.split = { use: 'random', with: { validaton: 0.1 } };
    const { issues } = await problems(broken);
    expect(issues.find((i) => i.pointer === '/train/loss')?.message).toMatch(/did you mean "kl-divergence"\?/);
    expect(issues.find((i) => i.pointer === '/split/with/validaton')?.suggestion).toBe('validation');
  });

  it('checks a band set name against the sets of the data domain, with the nearest name', async () => {
    const { issues } = await problems({ ...valid, data: { ...valid.data, features: { ...valid.data.features, target: { bands: 'standard5' } } } });
    expect(issues).toEqual([expect.objectContaining({ pointer: '/data/features/target/bands', message: expect.stringContaining('unknown band set "standard5"; did you mean "standard-5"? (the "precip" domain has: standard-5)') })]);
  });

  it('takes report.mapTimes as a positive count or "all", and nothing else', async () => {
    for (const mapTimes of [1, 12, 'all']) {
      const resolved = await resolveRecipe(writeRecipe({ ...valid, report: { mapTimes } }), { registry: testRegistry(), env: {} });
      expect(resolved.recipe.report).toEqual({ mapTimes });
    }
    const zero = await problems({ ...valid, report: { mapTimes: 0 } });
    expect(zero.issues.map((i) => i.pointer)).toContain('/report/mapTimes');
    const word = await problems({ ...valid, report: { mapTimes: 'every' } });
    expect(word.issues.map((i) => i.pointer)).toContain('/report/mapTimes');
    const typo = await problems({ ...valid, report: { mapTime: 3 } });
    expect(typo.issues.find((i) => i.pointer === '/report/mapTime')?.suggestion).toBe('mapTimes');
  });

  it('requires exactly one of bands or column in the target', async () => {
    const broken = structuredClone(valid) as Record<string, any>;
    broken.data.features.target = { bands: 'standard-5', column: 'radar_mean_rain_instant' };
    const { issues } = await problems(broken);
    expect(issues.map((i) => i.message)).toContain('set exactly one of "bands" (band fractions) or "column" (regression)');
  });

  it('names --set flags as the origin of values they set', async () => {
    const file = writeRecipe(valid);
    const error = (await resolveRecipe(file, { registry: testRegistry(), env: {}, overrides: ['train.epochs=zero'] }).catch((e: unknown) => e)) as PrdError;
    expect(error.issues[0]).toMatchObject({ pointer: '/train/epochs', origin: '--set train.epochs=zero' });
  });
});
