import type { Batch, TrainConfig } from '@prd/core';
import { ReplicaThreads, shardRows, workerScript } from '@prd/fused';
import type { Device, LayersModel, LossFn, LossName, Optimizer, Variable } from '@prd/tensor';
import { SharedState, type Layout } from './protocol.js';
import type { ReplicaInit } from './replica.js';
import { applyShardGradients, shardGradient, shardOf } from './shard.js';

/** What the coordinator needs to start its worker replicas. */
export interface ParallelSetup {
  workers: number;
  device: Device;
  model: LayersModel;
  variables: Variable[];
  optimizer: Optimizer;
  config: TrainConfig;
  loss: LossName;
  lossFn: LossFn;
  bands: boolean;
  shape: { heights: number; profileFeatures: number; singleLevel: number; outputs: number };
  batchSize: number;
  /** Checkpoint folder whose optimizer state the workers start from (resume). */
  optimizerDir?: string;
  /** Dropout masks already drawn (steps done before a resume). */
  dropoutDraws?: number;
}

/**
 * Data-parallel training over worker threads: each batch is split into shards, the main thread computes one and
 * each worker one, the gradients meet in shared memory, and every replica applies the same combined update.
 * Results are deterministic for a given number of replicas (they differ from single-threaded training only by the
 * order of floating-point sums).
 */
export class ParallelTrainer {
  private readonly state: SharedState;
  private readonly threads: ReplicaThreads;
  private step = 0;

  private constructor(private readonly setup: ParallelSetup, layout: Layout) {
    this.state = new SharedState(new SharedArrayBuffer(SharedState.bytes(layout)), layout);
    this.threads = new ReplicaThreads(() => this.state.failure);
  }

  /** Start `setup.workers` worker replicas with the main thread's current weights and optimizer state. */
  static async start(setup: ParallelSetup): Promise<ParallelTrainer> {
    const { heights, profileFeatures, singleLevel, outputs } = setup.shape;
    const replicas = setup.workers + 1;
    const layout: Layout = {
      replicas,
      parameters: setup.variables.reduce((n, v) => n + v.size, 0),
      shardRows: Math.ceil(setup.batchSize / replicas),
      widths: { profile: heights * profileFeatures, singleLevel, target: outputs },
    };
    const trainer = new ParallelTrainer(setup, layout);
    const weights = setup.model.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync() as Float32Array }));
    const topology = JSON.stringify(setup.model.toJSON(null, false));
    const inits = Array.from({ length: replicas - 1 }, (_, i): ReplicaInit => ({
      replica: i + 1,
      device: setup.device,
      buffer: trainer.state.buffer,
      layout,
      topology,
      weights,
      config: setup.config,
      loss: setup.loss,
      bands: setup.bands,
      shape: { heights, profileFeatures, outputs },
      optimizerDir: setup.optimizerDir,
      dropoutDraws: setup.dropoutDraws ?? 0,
    }));
    await trainer.threads.startAll(workerScript(import.meta.url, './replica.js', '@prd/backend-local'), inits, () => trainer.close());
    return trainer;
  }

  get replicas(): number {
    return this.state.layout.replicas;
  }

  /** Train on one batch across the replicas; returns its summed loss and accuracy (each times its rows). */
  async trainBatch(batch: Batch, learningRate: number): Promise<{ loss: number; accuracy: number }> {
    const { state } = this;
    const replicas = state.layout.replicas;
    const s = ++this.step;
    const alive = () => this.threads.dead;
    // Shard buffers and row counts are free once every replica has read the previous step's gradients.
    await state.waitAllAsync('read', s - 1, alive);
    state.learningRate[0] = learningRate;
    const sizes = shardRows(batch.size, replicas);
    let start = sizes[0];
    for (let k = 1; k < replicas; k++) {
      const shard = shardOf(batch, start, sizes[k]);
      state.shards[k].profile.set(shard.profile);
      state.shards[k].singleLevel.set(shard.singleLevel);
      state.shards[k].target.set(shard.target);
      state.set(k, 'rows', sizes[k]);
      state.set(k, 'step', s);
      start += sizes[k];
    }
    state.set(0, 'rows', sizes[0]);
    const { heights, profileFeatures, outputs } = this.setup.shape;
    const own = sizes[0] > 0 ? shardGradient(this.setup.model, this.setup.variables, this.setup.lossFn, this.setup.bands, shardOf(batch, 0, sizes[0]), heights, profileFeatures, outputs) : undefined;
    state.gradients[0].set(own ? own.gradient : new Float32Array(state.layout.parameters));
    state.stats[0] = own?.loss ?? 0;
    state.stats[1] = own?.accuracy ?? 0;
    state.set(0, 'grad', s);
    await state.waitAllAsync('grad', s, alive);
    let loss = 0;
    let accuracy = 0;
    for (let k = 0; k < replicas; k++) {
      loss += state.stats[k * 2] * sizes[k];
      accuracy += state.stats[k * 2 + 1] * sizes[k];
    }
    applyShardGradients(this.setup.optimizer, this.setup.variables, state.gradients, sizes, () => state.set(0, 'read', s));
    return { loss, accuracy };
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    for (let k = 1; k < this.state.layout.replicas; k++) this.state.set(k, 'stop', 1);
    await this.threads.stop();
  }
}
