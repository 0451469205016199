import type { DropoutMasks } from '../network.js';
import type { FusedBatch, FusedTrainer } from '../trainer.js';
import { ReplicaMemory, type ReplicaLayout } from './shared.js';
import { ReplicaThreads, workerScript } from './threads.js';
import type { WorkerInit } from './worker.js';

/** Rows of each replica's shard of an `n`-row batch (the first ones take the remainder). */
export function shardRows(n: number, replicas: number): number[] {
  return Array.from({ length: replicas }, (_, k) => Math.floor(n / replicas) + (k < n % replicas ? 1 : 0));
}

/**
 * Data-parallel fused training: each batch is split by rows across the main thread's trainer and `workers`
 * worker threads, each with its own kernels. The parameters live in one shared buffer that every worker reads at
 * the start of a step; the gradients, each weighted by its shard's share of the batch, are summed in replica
 * order and the optimizer runs once, on the main thread. Dropout masks are drawn for the whole batch as the
 * single-threaded step draws them, so results differ from it only by the order of floating-point sums, and are
 * the same for a given number of replicas on any machine.
 */
export class FusedReplicas {
  private readonly threads: ReplicaThreads;
  private step = 0;

  private constructor(
    private readonly trainer: FusedTrainer,
    private readonly memory: ReplicaMemory,
  ) {
    this.threads = new ReplicaThreads(() => memory.failure);
  }

  /** Start `workers` worker replicas beside `trainer` (the main thread's), for batches of up to `maxBatch` rows. */
  static async start(trainer: FusedTrainer, workers: number, maxBatch: number): Promise<FusedReplicas> {
    const net = trainer.network;
    const { heights, profileFeatures, singleLevel } = net.architecture;
    const layout: ReplicaLayout = {
      replicas: workers + 1,
      parameters: net.parameterCount,
      maxBatch,
      widths: { profile: heights * profileFeatures, singleLevel, target: net.outputs },
      masks: net.dropouts.map(({ name, width }) => ({ name, width })),
    };
    const memory = new ReplicaMemory(new SharedArrayBuffer(ReplicaMemory.bytes(layout)), layout);
    const replicas = new FusedReplicas(trainer, memory);
    const shard = shardRows(maxBatch, workers + 1)[0];
    const inits = Array.from({ length: workers }, (_, i): WorkerInit => ({ replica: i + 1, buffer: memory.buffer, layout, architecture: net.architecture, loss: trainer.loss, variant: net.variant, shardRows: shard }));
    await replicas.threads.startAll(workerScript(import.meta.url, './worker.js', '@prd/fused'), inits, () => replicas.close());
    return replicas;
  }

  /** Threads training (the main thread and the workers). */
  get count(): number {
    return this.memory.layout.replicas;
  }

  /** One training step across the replicas: the batch's mean loss and its correctly classified rows. */
  async trainBatch(batch: FusedBatch, learningRate: number, masks?: DropoutMasks): Promise<{ loss: number; correct: number }> {
    const { memory, trainer } = this;
    const net = trainer.network;
    const n = batch.size;
    if (n > memory.layout.maxBatch) throw new Error(`fused: batch of ${n} rows, more than the ${memory.layout.maxBatch} the replicas were started for`);
    const s = ++this.step;
    // Every worker answered step s − 1, so the shared parameters, batch and masks are free to overwrite.
    memory.params.set(net.params);
    memory.batch.profile.set(batch.profile.subarray(0, memory.batch.profile.length));
    memory.batch.singleLevel.set(batch.singleLevel.subarray(0, memory.batch.singleLevel.length));
    memory.batch.target.set(batch.target.subarray(0, memory.batch.target.length));
    // The whole batch's masks, drawn in the forward pass's order, exactly as the single-threaded step draws them.
    if (masks) for (const d of net.dropouts) if (d.rate > 0) memory.masks.get(d.name)!.set(masks(d.name, n, d.width, d.rate).subarray(0, n * d.width));
    const sizes = shardRows(n, this.count);
    memory.set(0, 'rows', n);
    let start = sizes[0];
    for (let k = 1; k < this.count; k++) {
      memory.set(k, 'start', start);
      memory.set(k, 'rows', sizes[k]);
      memory.set(k, 'step', s);
      start += sizes[k];
    }
    const mine = { size: sizes[0], profile: memory.batch.profile, singleLevel: memory.batch.singleLevel, target: memory.batch.target };
    const own = trainer.gradient(mine, masks ? (name, rows, width) => memory.masks.get(name)!.subarray(0, rows * width) : undefined, sizes[0] / n);
    await memory.waitDone(s, () => this.threads.dead);
    let loss = own.loss * sizes[0];
    let correct = own.correct;
    for (let k = 1; k < this.count; k++) {
      if (sizes[k] === 0) continue;
      net.addGradient(memory.gradients[k]);
      loss += memory.stats[k * 2] * sizes[k];
      correct += memory.stats[k * 2 + 1];
    }
    trainer.update(learningRate);
    return { loss: loss / n, correct };
  }

  /** Stop the workers (they finish the step they are in). */
  async close(): Promise<void> {
    for (let k = 1; k < this.count; k++) this.memory.set(k, 'stop', 1);
    await this.threads.stop();
  }
}
