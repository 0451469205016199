import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { definePlugin, PluginRegistry, PrdError, resolveRecipe, type AnyPlugin } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { checkSweep } from './checks.js';

const never = () => {
  throw new Error('not created in these tests');
};
/** Plugins with real option schemas (what the checks validate against); nothing here runs. */
const plugins: AnyPlugin[] = [
  definePlugin({ kind: 'source', name: 'synthetic', description: 's', options: Type.Object({ cells: Type.Integer({ minimum: 1, default: 10 }) }, { additionalProperties: false }), create: never }),
  definePlugin({ kind: 'sampler', name: 'random', description: 'r', options: Type.Object({ validation: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }) }, { additionalProperties: false }), create: never }),
  definePlugin({ kind: 'model', name: 'conv', description: 'm', options: Type.Object({ filters: Type.Integer({ minimum: 1, maximum: 256, default: 32 }), dropout: Type.Number({ minimum: 0, maximum: 1, default: 0 }) }, { additionalProperties: false }), create: never }),
  definePlugin({ kind: 'evaluator', name: 'fss', description: 'f', options: Type.Object({}), create: never }),
];
const registry = new PluginRegistry();
for (const p of plugins) registry.register(p, { packageName: 'test', version: '1.0.0', path: '/t' });

function recipe(sweep: unknown, extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'prd-sweep-check-'));
  const file = join(dir, 'r.json');
  const value = {
    name: 't',
    data: { source: { use: 'synthetic' }, features: { profile: ['t'], target: { bands: 'standard-5' } } },
    split: { use: 'random' },
    model: { use: 'conv' },
    train: { epochs: 4, batchSize: 64, optimizer: { adam: { learningRate: 0.001 } } },
    evaluate: [{ use: 'fss' }],
    ...extra,
    sweep,
  };
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

async function problems(sweep: unknown, extra?: Record<string, unknown>): Promise<string[]> {
  try {
    checkSweep(await resolveRecipe(recipe(sweep, extra), { registry }));
    return [];
  } catch (error) {
    if (!(error instanceof PrdError)) throw error;
    return error.issues.map((i) => `${i.line ? `line ${i.line}: ` : ''}${i.pointer}: ${i.message}`);
  }
}

const good = {
  space: { 'train.optimizer.adam.learningRate': { distribution: 'loguniform', min: 1e-4, max: 0.1 }, 'train.batchSize': { distribution: 'choice', values: [32, 64, 128] } },
  objective: { metric: 'val_loss', goal: 'minimize' },
  earlyTermination: { policy: 'bandit', slackFactor: 0.1, evaluationInterval: 2 },
  limits: { trials: 12, concurrency: 2 },
};

describe('checkSweep', () => {
  it('accepts a valid sweep and fills its defaults', async () => {
    const spec = checkSweep(await resolveRecipe(recipe(good), { registry }));
    expect(spec.limits.concurrency).toBe(2);
    expect(spec.earlyTermination).toMatchObject({ policy: 'bandit', slackFactor: 0.1, evaluationInterval: 2 });
  });

  it('reports a path that is not in the recipe schema, with the nearest key and the sweep line', async () => {
    const found = await problems({ ...good, space: { 'train.batchsize': { distribution: 'choice', values: [32] } } });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^line \d+: \/sweep\/space\/train\.batchsize: choice can draw 32 \(choice 1\), which the recipe does not accept: \/train\/batchsize: unknown key "batchsize"; did you mean "batchSize"\?/);
  });

  it('reports values the option does not accept: a float for an integer, a value past the maximum, a wrong choice', async () => {
    const found = await problems({
      ...good,
      space: {
        'train.batchSize': { distribution: 'uniform', min: 16, max: 128 },
        'model.with.filters': { distribution: 'randint', lower: 8, upper: 512 },
        'train.loss': { distribution: 'choice', values: ['mse', 'hinge'] },
        'model.with.dropout': { distribution: 'normal', mu: 0.2, sigma: 0.1 },
      },
    });
    expect(found.join('\n')).toContain('/sweep/space/train.batchSize: uniform can draw 57.44 (a draw), which the recipe does not accept: /train/batchSize: expected integer');
    expect(found.join('\n')).toContain('/sweep/space/model.with.filters: randint can draw 511 (highest), which the recipe does not accept: /model/with/filters');
    expect(found.join('\n')).toContain('/sweep/space/train.loss: choice can draw hinge (choice 2)');
    expect(found.join('\n')).toContain('/sweep/space/model.with.dropout: normal can draw -0.2 (mu - 4 sigma)');
  });

  it('reports an objective that training does not report, with the nearest name', async () => {
    expect(await problems({ ...good, objective: { metric: 'val_los', goal: 'minimize' } })).toEqual([
      expect.stringMatching(/\/sweep\/objective\/metric: training reports loss, accuracy, val_loss, val_accuracy per epoch, not "val_los"; did you mean "val_loss"\?/),
    ]);
    // no validation split: no val_ metrics
    const noVal = await problems(good, { split: { use: 'random', with: { validation: 0 } } });
    expect(noVal[0]).toMatch(/training reports loss, accuracy per epoch, not "val_loss"/);
  });

  it('checks end metrics against the split and the evaluators, and refuses early termination on them', async () => {
    const { earlyTermination: _, ...noStop } = good;
    expect(await problems({ ...noStop, objective: { metric: 'test/fss/4.0/ml', goal: 'maximize' } })).toEqual([]);
    expect(await problems({ ...noStop, objective: { metric: 'test/fss_ensemble_mean/4.0/ml', goal: 'maximize' } })).toEqual([]);
    expect((await problems({ ...noStop, objective: { metric: 'tset/fss/4.0/ml', goal: 'maximize' } }))[0]).toMatch(/"validation" or "test", not "tset"; did you mean "test"\?/);
    expect((await problems({ ...noStop, objective: { metric: 'test/mae/4.0', goal: 'minimize' } }))[0]).toMatch(/no evaluator of this recipe reports "mae" \(evaluators: fss\)/);
    expect((await problems({ ...good, objective: { metric: 'test/fss/4.0/ml', goal: 'maximize' } }))[0]).toMatch(/\/sweep\/earlyTermination: early termination compares per-epoch values/);
  });

  it('reports section mistakes: ranges, bandit slack, grid over a continuous space', async () => {
    const found = await problems({
      ...good,
      sampling: { method: 'grid' },
      space: { 'train.optimizer.adam.learningRate': { distribution: 'loguniform', min: 0.1, max: 0.001 } },
      earlyTermination: { policy: 'bandit', slackFactor: 0.1, slackAmount: 0.2 },
    });
    expect(found.join('\n')).toContain('min (0.1) must be below max (0.001)');
    expect(found.join('\n')).toContain('grid sampling needs finite values; "loguniform" is continuous');
    expect(found.join('\n')).toContain('a bandit policy takes exactly one of "slackFactor" or "slackAmount"');
  });

  it('reports shape errors of the section with their pointers', async () => {
    const found = await problems({ ...good, limits: { trials: 0 }, objective: { metric: 'val_loss', goal: 'min' } });
    expect(found.join('\n')).toContain('/sweep/limits/trials');
    expect(found.join('\n')).toContain('/sweep/objective/goal');
  });
});
