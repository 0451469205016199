import { parentPort, workerData } from 'node:worker_threads';
import { loadTensors, lossFunction, withRegularisation, selectBackend, setDropoutDraws, tf, tfl, type Device, type LossName, type Variable } from '@prd/tensor';
import { makeOptimizer, setLearningRate } from '../optimizer.js';
import type { TrainConfig } from '@prd/core';
import { applyShardGradients, shardGradient } from './shard.js';
import { SharedState, type Layout } from './protocol.js';

/** What the main thread hands a worker replica. */
export interface ReplicaInit {
  replica: number;
  device: Device;
  buffer: SharedArrayBuffer;
  layout: Layout;
  /** `model.toJSON()` of the main thread's model. */
  topology: string;
  /** The model's weights, in `model.getWeights()` order. */
  weights: Array<{ shape: number[]; values: Float32Array }>;
  config: TrainConfig;
  loss: LossName;
  bands: boolean;
  shape: { heights: number; profileFeatures: number; outputs: number };
  /** Optimizer state to start from (resume), saved by the main thread. */
  optimizerDir?: string;
  /** Dropout masks already drawn; this replica draws its own stream of masks from there. */
  dropoutDraws: number;
}

/**
 * A worker replica of data-parallel training: the same model and optimizer as the main thread, fed one shard of
 * every batch, exchanging gradients through shared memory (see protocol.ts). Runs until told to stop.
 */
async function main(init: ReplicaInit): Promise<void> {
  await selectBackend(init.device);
  const model = await tfl.models.modelFromJSON(JSON.parse(init.topology) as tf.io.ModelJSON['modelTopology'] as never);
  model.setWeights(init.weights.map((w) => tf.tensor(w.values, w.shape)));
  const variables = model.trainableWeights.map((w) => w.read() as Variable);
  setDropoutDraws(model, init.dropoutDraws, init.replica);
  const { optimizer } = makeOptimizer(init.config);
  if (init.optimizerDir) await optimizer.setWeights(loadTensors(init.optimizerDir, 'optimizer'));
  const state = new SharedState(init.buffer, init.layout);
  const me = init.replica;
  const lossFn = withRegularisation(model, lossFunction(init.loss));
  const { heights, profileFeatures, outputs } = init.shape;
  const { widths, replicas } = init.layout;
  parentPort!.postMessage({ type: 'ready' });
  let step = 0;
  let lr = Number.NaN;
  for (;;) {
    // Wait for the next shard (or the order to stop).
    for (;;) {
      if (state.get(me, 'stop') === 1 || state.failure) return;
      if (state.get(me, 'step') > step) break;
      Atomics.wait(state.control, state.slot(me, 'step'), step, 1000);
    }
    step++;
    if (state.learningRate[0] !== lr) {
      lr = state.learningRate[0];
      setLearningRate(optimizer, lr);
    }
    const rows = state.get(me, 'rows');
    const mine = state.shards[me];
    let gradient: Float32Array;
    if (rows > 0) {
      const shard = { size: rows, profile: mine.profile.subarray(0, rows * widths.profile), singleLevel: mine.singleLevel.subarray(0, rows * widths.singleLevel), target: mine.target.subarray(0, rows * widths.target) };
      const result = shardGradient(model, variables, lossFn, init.bands, shard, heights, profileFeatures, outputs);
      gradient = result.gradient;
      state.stats[me * 2] = result.loss;
      state.stats[me * 2 + 1] = result.accuracy;
    } else {
      gradient = new Float32Array(init.layout.parameters);
    }
    state.waitAll('read', step - 1);
    state.gradients[me].set(gradient);
    state.set(me, 'grad', step);
    state.waitAll('grad', step);
    // tf.tensor1d copies the shared values into this replica's memory, after which the slots may be reused.
    applyShardGradients(optimizer, variables, state.gradients, Array.from({ length: replicas }, (_, k) => state.get(k, 'rows')), () => state.set(me, 'read', step));
  }
}

const init = workerData as ReplicaInit;
main(init).then(
  () => process.exit(0),
  (error: unknown) => {
    new SharedState(init.buffer, init.layout).fail(init.replica, error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
