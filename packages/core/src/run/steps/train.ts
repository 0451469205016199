import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { TensorFile } from '../../data/tensor-file.js';
import type { TaskKind } from '../../data/features.js';
import type { ModelShape, TrainJob, TrainOutcome } from '../../plugin/contract.js';
import type { TrainConfig } from '../../recipe/base-schema.js';
import type { Preprocessing } from '../preprocessing.js';
import type { StepEnv } from '../context.js';
import type { ScaleSummary } from './scale.js';

/** Model shape from the tensor layout and task. */
export function shapeOf(summary: ScaleSummary, task: TaskKind): ModelShape {
  return { ...summary.layout, task };
}

/** The loss a recipe asks for, or the default for its task. */
export function lossOf(config: TrainConfig, task: TaskKind): NonNullable<TrainConfig['loss']> {
  return config.loss ?? (task === 'bands' ? 'kl-divergence' : task === 'binary' ? 'binary-crossentropy' : 'mae');
}

/** The train step: hand the tensors to the compute backend and let it fit and save the model into `modelDir`. */
export async function runTrain(
  env: StepEnv,
  scaleDir: string,
  scale: ScaleSummary,
  preprocessing: Preprocessing,
  modelDir: string,
  checkpointDir: string,
  resume: boolean,
): Promise<TrainOutcome> {
  const validationPath = join(scaleDir, 'validation.f32');
  const job: TrainJob = {
    model: env.instances.model.instance,
    modelRef: { use: env.instances.model.use, with: env.instances.model.options },
    shape: shapeOf(scale, preprocessing.task),
    train: TensorFile.open(join(scaleDir, 'train.f32')),
    validation: existsSync(validationPath) && scale.rows.validation > 0 ? TensorFile.open(validationPath) : undefined,
    config: { ...env.recipe.train, loss: lossOf(env.recipe.train, preprocessing.task) },
    seed: env.recipe.seed,
    modelDir,
    checkpointDir,
    resume,
    preprocessing,
    events: env.events,
    signal: env.signal,
  };
  return env.instances.backend.instance.train(job);
}
