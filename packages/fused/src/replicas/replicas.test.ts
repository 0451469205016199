import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@prd/tensor';
import type { FusedArchitecture } from '../architecture.js';
import { convResidual, makeBatch, random, relativeError } from '../models.fixture.js';
import type { DropoutMasks } from '../network.js';
import { readModelWeights } from '../tfjs.js';
import { FusedTrainer, type FusedBatch } from '../trainer.js';
import { FusedReplicas, shardRows } from './coordinator.js';

/** Dropout masks from a seeded stream, so that two trainers drawing in the same order drop the same units. */
function maskStream(seed: number): DropoutMasks {
  const next = random(seed);
  return (_name, rows, width, rate) => Float32Array.from({ length: rows * width }, () => (next() < rate ? 0 : 1 / (1 - rate)));
}

describe('data-parallel fused training (worker threads)', () => {
  let arch: FusedArchitecture;
  let trainerFor: () => FusedTrainer;
  const started: FusedReplicas[] = [];
  beforeAll(async () => {
    await selectBackend('cpu');
    // Profile, single-level inputs, the skip connection, a dense head and dropout: every kind of fused layer.
    const { model, arch: described } = convResidual(8, 3, 2, 4, { filters: 6, head: [8], dropout: 0.3 });
    arch = described;
    trainerFor = () => {
      const trainer = new FusedTrainer(arch, 16, 'kl-divergence', { type: 'adam' });
      readModelWeights(trainer.network, model);
      return trainer;
    };
  });
  afterAll(async () => {
    await Promise.all(started.map((r) => r.close()));
  });

  it('splits a batch into shards that cover its rows, the remainder first', () => {
    expect(shardRows(13, 3)).toEqual([5, 4, 4]);
    expect(shardRows(2, 3)).toEqual([1, 1, 0]);
  });

  it('trains as the single-threaded step does: same losses, accuracy and parameters within 1e-5 after 4 steps', async () => {
    const single = trainerFor();
    const parallel = trainerFor();
    const replicas = await FusedReplicas.start(parallel, 2, 16);
    started.push(replicas);
    expect(replicas.count).toBe(3);
    const singleMasks = maskStream(7);
    const parallelMasks = maskStream(7);
    // 13 rows: shards of 5, 4 and 4; the last batch of 2 rows leaves one replica without rows.
    const batches: FusedBatch[] = [13, 16, 9, 2].map((rows, i) => makeBatch(rows, arch, 4, 20 + i));
    for (const batch of batches) {
      const a = single.step(batch, 0.01, singleMasks);
      const b = await replicas.trainBatch(batch, 0.01, parallelMasks);
      expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
      expect(b.correct).toBe(a.correct);
    }
    expect(parallel.iterations).toBe(4);
    expect(relativeError(parallel.network.params, single.network.params)).toBeLessThan(1e-5);
    expect(relativeError(parallel.network.slotB, single.network.slotB)).toBeLessThan(1e-5);
    // Not trivially equal: the parameters moved from where they started.
    expect(relativeError(parallel.network.params, trainerFor().network.params)).toBeGreaterThan(1e-3);
  });

  it('fails a step with the reason when a worker has gone, rather than waiting for it', async () => {
    const replicas = await FusedReplicas.start(trainerFor(), 1, 16);
    await replicas.close();
    await expect(replicas.trainBatch(makeBatch(8, arch, 4, 3), 0.01)).rejects.toThrow(/replica 1 exited/);
  });

  it('refuses a batch larger than it was started for', async () => {
    const replicas = await FusedReplicas.start(trainerFor(), 1, 4);
    started.push(replicas);
    await expect(replicas.trainBatch(makeBatch(8, arch, 4, 3), 0.01)).rejects.toThrow(/batch of 8 rows, more than the 4/);
  });
});
