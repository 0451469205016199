import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunEvents, type RunEvent, type TrainContext, type TrainJob } from '@prd/core';
import { checkCheckpoint, listCheckpoints } from './checkpoints.js';
import { trainLocal } from './trainer.js';
import type { LocalConfig } from './options.js';
import { TINY_LAYOUT, tinyModel, tinyTensorFile } from './tiny.fixture.js';

const OPTIONS: LocalConfig = { device: 'wasm', workers: 0, keepCheckpoints: 3, validationBatchSize: 64, process: 'in-process' };
const config = (epochs: number): TrainJob['config'] => ({ epochs, batchSize: 16, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.02 } } });

function job(dir: string, epochs: number, resume: boolean): TrainJob & { received: RunEvent[]; context: TrainContext } {
  const events = new RunEvents();
  const received: RunEvent[] = [];
  events.on((e) => received.push(e));
  tinyTensorFile(dir, 'train.f32', 120, 1);
  tinyTensorFile(dir, 'validation.f32', 40, 2);
  return {
    model: { use: 'tiny', with: {} },
    shape: { ...TINY_LAYOUT, task: 'bands' },
    train: join(dir, 'train.f32'),
    validation: join(dir, 'validation.f32'),
    config: config(epochs),
    seed: 9,
    modelDir: join(dir, 'model'),
    checkpointDir: join(dir, 'checkpoints'),
    resume,
    received,
    context: { model: { build: () => tinyModel() }, events, signal: new AbortController().signal },
  };
}

/** Train a job on the local backend in this process. */
const fit = (j: ReturnType<typeof job>) => trainLocal(j, j.context, OPTIONS);

const weightsOf = (dir: string) => readFileSync(join(dir, 'weights.bin'));
const warnings = (received: RunEvent[]) => received.flatMap((e) => (e.type === 'log' && e.level === 'warn' ? [e.message] : []));

describe('checkpoints carry digests', () => {
  it('skips a garbled newest checkpoint and a truncated one, resuming from the newest intact one exactly', async () => {
    // An uninterrupted 4-epoch run, and one stopped after 3 epochs whose checkpoints of epochs 3 and 2 are damaged.
    const straight = mkdtempSync(join(tmpdir(), 'prd-ckpt-'));
    await fit(job(straight, 4, false));
    const dir = mkdtempSync(join(tmpdir(), 'prd-ckpt-'));
    const first = job(dir, 3, false);
    await fit(first);
    expect(listCheckpoints(first.checkpointDir)).toEqual([1, 2, 3]);
    const epoch3 = join(first.checkpointDir, 'epoch-0003');
    const good = weightsOf(epoch3);
    writeFileSync(join(epoch3, 'weights.bin'), Buffer.concat([Buffer.alloc(good.length >> 1, 0xff), good.subarray(good.length >> 1)]));
    truncateSync(join(first.checkpointDir, 'epoch-0002', 'optimizer.bin'), 10);
    expect(checkCheckpoint(epoch3)).toMatch(/weights\.bin differs from its recorded sha256/);

    const resumed = job(dir, 4, true);
    const outcome = await fit(resumed);
    expect(warnings(resumed.received)).toEqual([
      expect.stringMatching(/checkpoint of epoch 3 is damaged \(weights\.bin differs/),
      expect.stringMatching(/checkpoint of epoch 2 is damaged \(optimizer\.bin has 10 bytes/),
    ]);
    expect(resumed.received.some((e) => e.type === 'log' && e.message.includes('resuming from the checkpoint of epoch 1'))).toBe(true);
    expect(outcome.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(weightsOf(resumed.modelDir).equals(weightsOf(join(straight, 'model')))).toBe(true);
  });

  it('trains from the start, with a warning, when no checkpoint is intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-ckpt-'));
    const first = job(dir, 1, false);
    await fit(first);
    writeFileSync(join(first.checkpointDir, 'epoch-0001', 'state.json'), '{"epoch": 1, "history": [');
    const resumed = job(dir, 1, true);
    const outcome = await fit(resumed);
    expect(warnings(resumed.received)).toEqual([expect.stringMatching(/checkpoint of epoch 1 is damaged \(state\.json/), expect.stringMatching(/no checkpoint in .*training from the start/)]);
    expect(outcome.history.map((h) => h.epoch)).toEqual([1]);
  });
});
