import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunEvents, type TensorFile, type TrainContext, type TrainJob } from '@prd/core';
import { lossFunction, selectBackend, tf, type Variable } from '@prd/tensor';
import { resolveWorkers, trainLocal } from '../trainer.js';
import { shardRows } from '@prd/fused';
import { shardGradient, shardOf } from './shard.js';
import { TINY_LAYOUT as LAYOUT, tinyModel as model, tinyTensorFile } from '../tiny.fixture.js';

/** The training file of these tests (seed 3). */
const file = (dir: string, rows: number) => tinyTensorFile(dir, 'train.f32', rows, 3);

function job(dir: string, train: TensorFile): TrainJob {
  return {
    model: { use: 'tiny', with: {} },
    shape: { ...LAYOUT, task: 'bands' },
    train: train.path,
    config: { epochs: 2, batchSize: 16, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.02 } } },
    seed: 4,
    modelDir: join(dir, 'model'),
    checkpointDir: join(dir, 'checkpoints'),
    resume: false,
  };
}

/** The live side of a job: the tiny model, fresh events, a signal nobody aborts. */
function live(dropout = 0, l2 = 0): TrainContext {
  return { model: { build: () => model(dropout, l2) }, events: new RunEvents(), signal: new AbortController().signal };
}

describe('data-parallel training', () => {
  it('splits batches into shards that differ by at most one row', () => {
    expect(shardRows(64, 2)).toEqual([32, 32]);
    expect(shardRows(7, 3)).toEqual([3, 2, 2]);
    expect(shardRows(1, 2)).toEqual([1, 0]);
  });

  it('shard gradients weighted by rows add up to the whole batch gradient', async () => {
    await selectBackend('wasm');
    const dir = mkdtempSync(join(tmpdir(), 'prd-par-'));
    const m = model();
    const variables = m.trainableWeights.map((w) => w.read() as Variable);
    const [batch] = [...file(dir, 13).batches({ batchSize: 13 })];
    const loss = lossFunction('kl-divergence');
    const whole = shardGradient(m, variables, loss, true, batch, 6, 2, 3);
    const sizes = shardRows(13, 3);
    let start = 0;
    const combined = new Float64Array(whole.gradient.length);
    let lossSum = 0;
    for (const size of sizes) {
      const part = shardGradient(m, variables, loss, true, shardOf(batch, start, size), 6, 2, 3);
      part.gradient.forEach((g, i) => (combined[i] += (g * size) / 13));
      lossSum += part.loss * size;
      start += size;
    }
    whole.gradient.forEach((g, i) => expect(combined[i]).toBeCloseTo(g, 6));
    expect(lossSum / 13).toBeCloseTo(whole.loss, 6);
    m.dispose();
  });

  it('trains with a worker thread to nearly the weights of single-threaded training, and deterministically', { timeout: 120_000 }, async () => {
    const weights = async (workers: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'prd-par-'));
      const j = job(dir, file(dir, 160));
      const outcome = await trainLocal(j, live(), { device: 'wasm', workers, keepCheckpoints: 1, validationBatchSize: 64, process: 'in-process' });
      expect(outcome.runtime).toBe(workers > 0 ? `tfjs-wasm x${workers + 1}` : 'tfjs-wasm');
      return { outcome, bytes: readFileSync(join(j.modelDir, 'weights.bin')) };
    };
    const single = await weights(0);
    const parallel = await weights(1);
    const again = await weights(1);
    expect(again.bytes.equals(parallel.bytes)).toBe(true);
    const a = new Float32Array(single.bytes.buffer, single.bytes.byteOffset, single.bytes.byteLength / 4);
    const b = new Float32Array(parallel.bytes.buffer, parallel.bytes.byteOffset, parallel.bytes.byteLength / 4);
    // Only the order of floating-point sums differs: 20 Adam steps later the weights agree to ~1e-4.
    let worst = 0;
    a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[i]))));
    expect(worst).toBeLessThan(1e-3);
    expect(parallel.outcome.history[1].metrics.loss).toBeCloseTo(single.outcome.history[1].metrics.loss, 3);
    expect(tf.memory().numTensors).toBeLessThan(100);
  });

  it('with Dropout, trains with a worker thread deterministically (each replica has its own seeded masks)', { timeout: 120_000 }, async () => {
    const weights = async () => {
      const dir = mkdtempSync(join(tmpdir(), 'prd-par-dropout-'));
      const j = job(dir, file(dir, 160));
      await trainLocal(j, live(0.5), { device: 'wasm', workers: 1, keepCheckpoints: 1, validationBatchSize: 64, process: 'in-process' });
      return readFileSync(join(j.modelDir, 'weights.bin'));
    };
    expect((await weights()).equals(await weights())).toBe(true);
  });

  it('with L2, a worker thread trains to the weights of single-threaded training (each replica adds the penalty)', { timeout: 180_000 }, async () => {
    const weights = async (workers: number, l2: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'prd-par-l2-'));
      const j = job(dir, file(dir, 160));
      await trainLocal(j, live(0, l2), { device: 'wasm', workers, keepCheckpoints: 1, validationBatchSize: 64, process: 'in-process' });
      const bytes = readFileSync(join(j.modelDir, 'weights.bin'));
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    };
    const worst = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    const single = await weights(0, 0.1);
    expect(worst(single, await weights(1, 0.1))).toBeLessThan(1e-3);
    // The penalty matters: without it the weights end elsewhere.
    expect(worst(single, await weights(0, 0))).toBeGreaterThan(1e-2);
  });

  it('uses worker threads only on idle cores, where steps can be split, and never more than the batch allows', () => {
    expect(resolveWorkers('auto', true, 200, 64, 2, 0.1)).toBe(1);
    expect(resolveWorkers('auto', true, 200, 64, 2, 4.8)).toBe(0);
    expect(resolveWorkers('auto', true, 200, 64, 16, 0)).toBe(3);
    expect(resolveWorkers('auto', true, 10, 64, 8, 0)).toBe(0);
    expect(resolveWorkers('auto', false, 200, 64, 8, 0)).toBe(0);
    expect(resolveWorkers(5, true, 1, 4, 8, 0)).toBe(1);
  });
});
