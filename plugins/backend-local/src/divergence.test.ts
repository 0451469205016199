import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPrdError, RunEvents, type PrdError, type ComputeBackend, type TrainContext, type TrainJob } from '@prd/core';
import { describe, expect, it } from 'vitest';
import plugins from './index.js';
import { TINY_LAYOUT, tinyModel, tinyTensorFile } from './tiny.fixture.js';

const backend = async (): Promise<ComputeBackend> =>
  (await plugins[0].create({ device: 'wasm', workers: 0, keepCheckpoints: 1, validationBatchSize: 100, process: 'in-process' }, { seed: 1, baseDir: '.', pointer: '/compute', events: new RunEvents(), tempDir: tmpdir() })) as ComputeBackend;

function job(dir: string, learningRate: number): TrainJob {
  tinyTensorFile(dir, 'train.f32', 256, 1);
  tinyTensorFile(dir, 'validation.f32', 64, 2);
  return {
    model: { use: 'tiny', with: {} },
    shape: { ...TINY_LAYOUT, task: 'bands' },
    train: join(dir, 'train.f32'),
    validation: join(dir, 'validation.f32'),
    config: { epochs: 3, batchSize: 32, loss: 'kl-divergence', optimizer: { adam: { learningRate } } },
    seed: 5,
    modelDir: join(dir, 'model'),
    checkpointDir: join(dir, 'checkpoints'),
    resume: false,
  };
}

const context = (): TrainContext => ({ model: { build: () => tinyModel() }, events: new RunEvents(), signal: new AbortController().signal });

describe('divergent training (issue 16, reproduction 5)', () => {
  // 1e30 makes this tiny model's weights overflow within the first epoch, as 1e8 does the quickstart's larger model.
  it('stops with a PrdError naming the epoch and the learning rate when the weights or loss stop being finite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-diverge-'));
    const error = await (await backend()).train(job(dir, 1e30), context()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPrdError(error), String(error)).toBe(true);
    const message = [(error as PrdError).message, ...(error as PrdError).issues.map((i) => i.message)].join('\n');
    expect(message).toMatch(/diverged in epoch 1\b/);
    expect(message).toMatch(/learning rate/);
    expect(message).toMatch(/it was 1\.00e\+30/);
  });

  it('leaves a sane learning rate alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-diverge-'));
    const outcome = await (await backend()).train(job(dir, 0.01), context());
    expect(outcome.history).toHaveLength(3);
  });
});
