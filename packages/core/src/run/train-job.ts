import type { TrainOutcome } from '../plugin/contract.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { RunEvents } from './events.js';
import { createPlugin } from './inference.js';
import type { TrainWorkerJob } from './job.js';

/** Run a training job here: create its backend and model plugins from their names and options, and train. */
export async function runTrainJob(job: TrainWorkerJob, registry: PluginRegistry, live: { events: RunEvents; signal: AbortSignal; tempDir: string }): Promise<TrainOutcome> {
  const context = { seed: job.train.seed, baseDir: job.plugins?.baseDir ?? process.cwd(), pointer: '', events: live.events, tempDir: live.tempDir };
  const backend = await createPlugin(registry, 'backend', job.backend, '/compute', context);
  const model = await createPlugin(registry, 'model', { use: job.train.model.use, with: job.train.model.with }, '/model', context);
  return backend.train(job.train, { model, events: live.events, signal: live.signal });
}
