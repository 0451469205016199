import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskKind } from '../../data/features.js';
import type { ModelShape, TrainJob, TrainOutcome, WorkerLauncher } from '../../plugin/contract.js';
import type { TrainConfig } from '../../recipe/base-schema.js';
import { required, type StepEnv } from '../context.js';
import { writeMlModel } from '../mlmodel.js';
import type { ScaleSummary } from './scale.js';

/** Model shape from the tensor layout and task. */
export function shapeOf(summary: ScaleSummary, task: TaskKind): ModelShape {
  return { ...summary.layout, task };
}

/** The loss a recipe asks for, or the default for its task. */
export function lossOf(config: TrainConfig, task: TaskKind): NonNullable<TrainConfig['loss']> {
  return config.loss ?? (task === 'bands' ? 'kl-divergence' : task === 'binary' ? 'binary-crossentropy' : 'mae');
}

/** The train step's job, as data: what a backend needs to train here, in a child process or on another machine. */
export function trainJobOf(env: StepEnv, scaleDir: string, scale: ScaleSummary, modelDir: string, checkpointDir: string, resume: boolean): TrainJob {
  const validation = join(scaleDir, 'validation.f32');
  return {
    model: { use: required(env.instances.model, 'model').use, with: required(env.instances.model, 'model').options },
    shape: shapeOf(scale, scale.task),
    train: join(scaleDir, 'train.f32'),
    validation: existsSync(validation) && scale.rows.validation > 0 ? validation : undefined,
    config: { ...env.train, loss: lossOf(env.train, scale.task) },
    seed: env.seed,
    modelDir,
    checkpointDir,
    resume,
  };
}

/**
 * The train step: hand the job to the compute backend, which fits and saves the model into `modelDir`; then core
 * adds what makes the folder a prd model wherever it was trained: preprocessing.json (from the scale step) and MLmodel.
 */
export async function runTrain(env: StepEnv, job: TrainJob, scaleDir: string, worker?: WorkerLauncher): Promise<TrainOutcome> {
  const outcome = await env.instances.backend.instance.train(job, { model: required(env.instances.model, 'model').instance, events: env.events, signal: env.signal, worker });
  copyFileSync(join(scaleDir, 'preprocessing.json'), join(job.modelDir, 'preprocessing.json'));
  writeMlModel(job.modelDir, { model: job.model, runtime: outcome.runtime, parameters: outcome.parameters, saved: outcome.saved });
  return outcome;
}
