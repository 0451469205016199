import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PrdError, RunEvents } from '@prd/core';
import type { SweepSpec } from '@prd/sweep';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { AzureMlOptions } from './options.js';
import { planJob } from './submit.js';
import { planSweep } from './sweep-submit.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const ws = { subscriptionId: '00000000-0000-4000-8000-000000000001', resourceGroup: 'rg', workspace: 'ws', armEndpoint: 'https://management.azure.com', origin: 'test' };
const options = Value.Default(AzureMlOptions, { cluster: 'cpu-cluster' }) as AzureMlOptions;
const environment = { name: 'prd-node20', version: '0123456789abcdef01234567' };
const recipe = JSON.parse(readFileSync(join(REPO, 'recipes', 'hyperdrive-original.json'), 'utf8')) as Record<string, unknown> & { sweep: SweepSpec };
const request = (sweep: SweepSpec) => ({ recipe, baseDir: join(REPO, 'recipes'), runsDir: 'runs', packagesFor: () => [], prdVersion: '0.1.0', dryRun: true, events: new RunEvents(), signal: new AbortController().signal, sweep: sweep as unknown as Record<string, unknown>, seed: 42 });

describe('the AzureML sweep job of a recipe', () => {
  it("runs the cluster run's code, environment and command in every trial, with the drawn values set", () => {
    const { body } = planSweep(request(recipe.sweep), options, ws, environment);
    const run = planJob(request(recipe.sweep), options, ws, environment).body.properties as Record<string, unknown>;
    const p = body.properties as Record<string, any>;
    expect(p.trial).toMatchObject({ codeId: run.codeId, environmentId: run.environmentId });
    expect(p.trial.command).toBe(`${run.command} --set 'train.batchSize=\${{search_space.train_batchSize}}' --set 'train.optimizer.adam.learningRate=\${{search_space.train_optimizer_adam_learningRate}}'`);
    expect(p.outputs).toEqual(run.outputs);
    expect(p.computeId).toBe(run.computeId);
  });

  it('refuses what AzureML has no equivalent for before anything is built', () => {
    const tpe = { ...recipe.sweep, sampling: { method: 'tpe' as const } };
    expect(() => planSweep(request(tpe), options, ws, environment)).toThrow(PrdError);
    expect(() => planSweep(request(tpe), options, ws, environment)).toThrow('1 feature does not map');
  });
});
