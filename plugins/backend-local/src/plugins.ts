import { definePlugin, PrdError, type AnyPlugin, type ComputeBackend } from '@prd/core';
import { LocalOptions } from './options.js';

// The plugin entry prd discovers: the options schema only; TensorFlow.js loads when training or predicting starts.
const plugins: AnyPlugin[] = [
  definePlugin({
    kind: 'backend',
    name: 'local',
    description: 'Trains and applies TensorFlow.js models on this machine (tfjs-node-gpu, tfjs-node, wasm or pure-JS cpu)',
    options: LocalOptions,
    create: (options): ComputeBackend => ({
      describe: () => `local, device ${options.device}${options.process === 'child' ? ', child process' : ''}`,
      train: async (job, context) => (options.process === 'child' ? (await import('./child.js')).trainInChild(job, context, options) : (await import('./trainer.js')).trainLocal(job, context, options)),
      checkModel: async (model, shape) => {
        // Building needs no accelerator: the pure-JS backend starts fastest.
        const { selectBackend } = await import('@prd/tensor');
        await selectBackend('cpu');
        const built = (await model.build(shape)) as { dispose?: () => void } | undefined;
        built?.dispose?.();
      },
      predict: async (job) => {
        if (job.format !== 'tfjs_layers_model') throw new PrdError(`the local backend applies TensorFlow.js layers models; this model's MLmodel says its format is "${job.format}"`);
        const { loadModel, predictTensorFile, selectBackend } = await import('@prd/tensor');
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
