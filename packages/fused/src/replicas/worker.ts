import { parentPort, workerData } from 'node:worker_threads';
import type { FusedArchitecture } from '../architecture.js';
import type { KernelVariant } from '../kernels.js';
import type { FusedLossName } from '../loss.js';
import type { DropoutMasks } from '../network.js';
import { FusedTrainer } from '../trainer.js';
import { ReplicaMemory, type ReplicaLayout } from './shared.js';

/** What the main thread hands a worker replica. */
export interface WorkerInit {
  replica: number;
  buffer: SharedArrayBuffer;
  layout: ReplicaLayout;
  architecture: FusedArchitecture;
  loss: FusedLossName;
  variant: KernelVariant;
  /** Rows of the largest shard this replica is given. */
  shardRows: number;
}

/**
 * A worker replica: its own kernels and memory, fed the rows [start, start + rows) of every batch. Per step it
 * copies the shared parameters in, computes its shard's gradient (already weighted by its share of the batch)
 * and copies it out; the main thread sums the gradients and applies the optimizer once.
 */
function main(init: WorkerInit): void {
  const memory = new ReplicaMemory(init.buffer, init.layout);
  // The optimizer is never used here: only the main thread updates the parameters.
  const trainer = new FusedTrainer(init.architecture, init.shardRows, init.loss, { type: 'sgd' }, init.variant);
  const net = trainer.network;
  const me = init.replica;
  const { widths } = init.layout;
  let start = 0;
  const masks: DropoutMasks = (name, rows, width) => memory.masks.get(name)!.subarray(start * width, (start + rows) * width);
  parentPort!.postMessage({ type: 'ready' });
  for (let step = 0; memory.waitPast(me, 'step', step); ) {
    step = memory.get(me, 'step');
    net.params.set(memory.params);
    start = memory.get(me, 'start');
    const rows = memory.get(me, 'rows');
    const total = memory.get(0, 'rows'); // the main thread's slot holds the whole batch's rows
    const { profile, singleLevel, target } = memory.batch;
    const shard = {
      size: rows,
      profile: profile.subarray(start * widths.profile, (start + rows) * widths.profile),
      singleLevel: singleLevel.subarray(start * widths.singleLevel, (start + rows) * widths.singleLevel),
      target: target.subarray(start * widths.target, (start + rows) * widths.target),
    };
    // A batch smaller than the replicas leaves some without rows: the main thread skips their slots.
    if (rows > 0) {
      const result = trainer.gradient(shard, masks, rows / total);
      memory.gradients[me].set(net.grads);
      memory.stats[me * 2] = result.loss;
      memory.stats[me * 2 + 1] = result.correct;
    }
    memory.set(me, 'done', step);
  }
}

const init = workerData as WorkerInit;
try {
  main(init);
} catch (error) {
  new ReplicaMemory(init.buffer, init.layout).fail(init.replica, error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
