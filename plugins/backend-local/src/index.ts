import { definePlugin, type AnyPlugin, type ComputeBackend } from '@prd/core';
import { loadModel, predictTensorFile, selectBackend } from '@prd/tensor';
import { LocalOptions } from './options.js';
import { trainLocal } from './trainer.js';

export { LocalOptions, type LocalConfig } from './options.js';
export { trainLocal } from './trainer.js';
export { EarlyStopping, LearningRateSchedule } from './schedule.js';
export { listCheckpoints, loadLatestCheckpoint, type TrainState } from './checkpoints.js';

const plugins: AnyPlugin[] = [
  definePlugin({
    kind: 'backend',
    name: 'local',
    description: 'Trains and applies TensorFlow.js models on this machine (tfjs-node-gpu, tfjs-node, wasm or pure-JS cpu)',
    options: LocalOptions,
    create: (options): ComputeBackend => ({
      describe: () => `local, device ${options.device}`,
      train: (job) => trainLocal(job, options),
      predict: async (job) => {
        await selectBackend(options.device);
        const model = await loadModel(job.modelDir);
        try {
          let last = 0;
          return predictTensorFile(model, job.input, {
            batchSize: job.batchSize,
            signal: job.signal,
            onProgress: (done, total) => {
              if (done - last < 50_000 && done < total) return;
              last = done;
              job.events.emit({ type: 'progress', step: 'predict', done, total, unit: 'rows' });
            },
          });
        } finally {
          model.dispose();
        }
      },
    }),
  }),
];

export default plugins;
