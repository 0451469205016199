import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunEvents, type ModelBuilder, type RunEvent, type TrainContext, type TrainJob } from '@prd/core';
import { loadModel } from '@prd/tensor';
import { listCheckpoints } from './checkpoints.js';
import { EarlyStopping, LearningRateSchedule } from './schedule.js';
import { trainLocal } from './trainer.js';
import type { LocalConfig } from './options.js';
import { TINY_LAYOUT as LAYOUT, tinyModel as model, tinyTensorFile as file } from './tiny.fixture.js';

const OPTIONS: LocalConfig = { device: 'wasm', workers: 0, keepCheckpoints: 2, validationBatchSize: 64, process: 'in-process' };

type Overrides = Partial<TrainJob> & { builder?: ModelBuilder; signal?: AbortSignal };

/** A training job on tiny files, with its live context (events recorded in `received`). */
function job(dir: string, overrides: Overrides = {}): TrainJob & { received: RunEvent[]; context: TrainContext; events: RunEvents } {
  const events = new RunEvents();
  const received: RunEvent[] = [];
  events.on((e) => received.push(e));
  const { builder, signal, ...rest } = overrides;
  file(dir, 'train.f32', 200, 1);
  file(dir, 'validation.f32', 80, 2);
  return {
    model: { use: 'tiny', with: {} },
    shape: { ...LAYOUT, task: 'bands' },
    train: join(dir, 'train.f32'),
    validation: join(dir, 'validation.f32'),
    config: { epochs: 3, batchSize: 16, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.02 } } },
    seed: 9,
    modelDir: join(dir, 'model'),
    checkpointDir: join(dir, 'checkpoints'),
    resume: false,
    ...rest,
    received,
    events,
    context: { model: builder ?? { build: () => model() }, events, signal: signal ?? new AbortController().signal },
  };
}

/** Train a job of {@link job} in this process. */
const fit = (j: ReturnType<typeof job>) => trainLocal(j, j.context, OPTIONS);

const weightsOf = (dir: string) => readFileSync(join(dir, 'weights.bin'));

describe('training features', () => {
  it('resumes from the newest checkpoint and ends exactly where an uninterrupted run ends', async () => {
    const straight = mkdtempSync(join(tmpdir(), 'prd-resume-'));
    await fit(job(straight));

    const interrupted = mkdtempSync(join(tmpdir(), 'prd-resume-'));
    const first = job(interrupted, { config: { epochs: 1, batchSize: 16, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.02 } } } });
    await fit(first);
    expect(listCheckpoints(first.checkpointDir)).toEqual([1]);
    const resumed = job(interrupted, { resume: true });
    const outcome = await fit(resumed);
    expect(outcome.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(resumed.received.filter((e) => e.type === 'epoch').map((e) => (e as { record: { epoch: number } }).record.epoch)).toEqual([2, 3]);
    expect(resumed.received.some((e) => e.type === 'log' && e.message.includes('resuming from the checkpoint of epoch 1'))).toBe(true);
    // Same weights, byte for byte: model, optimizer state and the per-epoch shuffle all continue.
    expect(weightsOf(resumed.modelDir).equals(weightsOf(join(straight, 'model')))).toBe(true);
    // Only the newest checkpoints are kept.
    expect(listCheckpoints(resumed.checkpointDir)).toEqual([2, 3]);
  });

  it('with dropout, resumes the sequence of dropout masks too and ends exactly where an uninterrupted run ends', async () => {
    const withDropout = { builder: { build: () => model(0.5) } };
    const straight = mkdtempSync(join(tmpdir(), 'prd-resume-dropout-'));
    await fit(job(straight, withDropout));
    const again = mkdtempSync(join(tmpdir(), 'prd-resume-dropout-'));
    await fit(job(again, withDropout));
    // The same seed gives the same masks, so the same weights.
    expect(weightsOf(join(again, 'model')).equals(weightsOf(join(straight, 'model')))).toBe(true);

    const interrupted = mkdtempSync(join(tmpdir(), 'prd-resume-dropout-'));
    await fit(job(interrupted, { ...withDropout, config: { epochs: 1, batchSize: 16, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.02 } } } }));
    const resumed = job(interrupted, { ...withDropout, resume: true });
    await fit(resumed);
    expect(weightsOf(resumed.modelDir).equals(weightsOf(join(straight, 'model')))).toBe(true);
  });

  // Issue 12, reproduction 1 (the step's part): a checkpoint of other model options resumed under this job's key.
  it('refuses to resume a checkpoint made by a job with other model options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-resume-other-'));
    await fit(job(dir, { config: { epochs: 1, batchSize: 16, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.02 } } } }));
    await expect(fit(job(dir, { resume: true, model: { use: 'tiny', with: { filters: 8 } } }))).rejects.toThrow(/made by a different training job/);
  });

  it('stops early and keeps the best epoch\'s weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-early-'));
    // A minDelta no epoch can beat: epoch 1 sets the best, epochs 2 and 3 do not improve, patience 2 stops at 3.
    const j = job(dir, { config: { epochs: 6, batchSize: 16, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.02 } }, earlyStopping: { patience: 2, minDelta: 100 } } });
    const outcome = await fit(j);
    expect(outcome.history).toHaveLength(3);
    expect(outcome.stoppedEarly).toBe(true);
    expect(outcome.bestEpoch).toBe(1);
    expect(weightsOf(j.modelDir).equals(weightsOf(join(j.checkpointDir, 'best')))).toBe(true);
    const epoch1 = await loadModel(join(j.checkpointDir, 'best'));
    expect(epoch1.countParams()).toBe((await loadModel(j.modelDir)).countParams());
    expect(j.received.some((e) => e.type === 'log' && /early stopping after epoch 3: val_loss has not improved for 2 epochs/.test(e.message))).toBe(true);
  });

  it('decays the learning rate every epoch and reports it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-lr-'));
    const j = job(dir, { config: { epochs: 3, batchSize: 50, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.04 } }, learningRateSchedule: { exponential: { decayRate: 0.5 } } } });
    const outcome = await fit(j);
    expect(outcome.history.map((h) => h.learningRate)).toEqual([0.04, 0.02, 0.01]);
  });

  it('stops after the current batch when aborted, keeping the checkpoints of finished epochs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-abort-'));
    const controller = new AbortController();
    const j = job(dir, { signal: controller.signal, config: { epochs: 3, batchSize: 4, loss: 'kl-divergence' } });
    j.events.on((e) => {
      if (e.type === 'epoch:start' && e.epoch === 2) controller.abort(new Error('stopped by the user'));
    });
    await expect(fit(j)).rejects.toThrow('stopped by the user');
    expect(listCheckpoints(j.checkpointDir)).toEqual([1]);
  });

  it('uses the training loss for early stopping when there is no validation split, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-noval-'));
    const j = job(dir, { validation: undefined, config: { epochs: 2, batchSize: 50, loss: 'mse', earlyStopping: { patience: 5 } } });
    const outcome = await fit(j);
    expect(Object.keys(outcome.history[0].metrics).sort()).toEqual(['accuracy', 'loss']);
    expect(j.received.some((e) => e.type === 'log' && e.level === 'warn' && e.message.includes('monitor the training loss'))).toBe(true);
  });
});

describe('schedules', () => {
  it('EarlyStopping counts epochs without an improvement larger than minDelta', () => {
    const s = new EarlyStopping(2, 0.01);
    expect([1, 0.995, 0.98, 0.975, 0.972].map((v, i) => s.update(i + 1, v))).toEqual([true, false, true, false, false]);
    expect(s.shouldStop).toBe(true);
    expect(s.state()).toEqual({ best: 0.98, bestEpoch: 3, wait: 2 });
  });

  it('reduce-on-plateau multiplies by factor after patience epochs without improvement, down to the minimum', () => {
    const s = new LearningRateSchedule(0.1, { reduceOnPlateau: { factor: 0.5, patience: 2, minLearningRate: 0.03 } });
    const rates: number[] = [];
    for (const [epoch, loss] of [1, 1, 1, 1, 1, 0.5, 0.5, 0.5].entries()) {
      rates.push(s.beforeEpoch(epoch + 1));
      s.afterEpoch(loss);
    }
    // Plateau after epoch 1: wait 1 (epoch 2), reduce after epoch 3 -> 0.05; again after 5 -> 0.03 (the floor).
    expect(rates).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03]);
  });

  it('exponential decay applies every n epochs', () => {
    const s = new LearningRateSchedule(1, { exponential: { decayRate: 0.1, everyEpochs: 2 } });
    expect([1, 2, 3, 4, 5].map((e) => s.beforeEpoch(e))).toEqual([1, 1, 0.1, 0.1, 0.010000000000000002]);
  });
});
