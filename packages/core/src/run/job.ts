import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { PrdError } from '../errors.js';
import type { TrainJob } from '../plugin/contract.js';

/** Version of the job file format that `prd worker` reads. */
export const JOB_FORMAT = 1;

/** A whole recipe run as a job: what a sweep trial or a cluster node runs with `prd worker`. */
export interface RunJob {
  prdJob: typeof JOB_FORMAT;
  kind: 'run';
  /** The recipe file, relative to the job file. */
  recipe: string;
  /** `--set` overrides, applied in order. */
  set?: string[];
  /** Where the run directory is written (relative to the job file); default `runs`. */
  runsDir?: string;
  /** The step cache (relative to the job file); default `.prd/cache`. */
  cacheDir?: string;
  /** Continue this run id (or directory) from its last checkpoint. */
  resume?: string;
  /** Tags added to the run (sweep and trial ids, cluster job ids). */
  tags?: Record<string, string>;
  /** Start training from this model's weights (`prd run --from`). */
  from?: string;
}

/**
 * One training step as a job: what a backend runs in a child process (`compute.with.process: "child"`) or uploads
 * to a cluster. The worker creates the backend and model plugins from their names and options and trains.
 */
export interface TrainWorkerJob {
  prdJob: typeof JOB_FORMAT;
  kind: 'train';
  /** The backend that trains, with its options (a worker always trains in its own process). */
  backend: { use: string; with?: Record<string, unknown> };
  /** The training job: model plugin and options, tensor files, config, seed, output folders. */
  train: TrainJob;
  /** Plugins beyond the installed ones (a recipe's `plugins`), resolved against `baseDir`. */
  plugins?: { extra: string[]; baseDir: string };
}

/** Every job `prd worker` can run. */
export type WorkerJob = RunJob | TrainWorkerJob;

/** Read and check a job file; relative paths in it are resolved against the file's folder. */
export function readJob(file: string): WorkerJob {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PrdError(`cannot read the job file ${file}: ${(error as Error).message}`);
  }
  const job = parsed as WorkerJob;
  if (typeof job !== 'object' || job === null || job.prdJob !== JOB_FORMAT) {
    throw new PrdError(`${file} is not a prd job file of format ${JOB_FORMAT} (expected "prdJob": ${JOB_FORMAT})`);
  }
  const base = dirname(resolve(file));
  const at = (p: string | undefined) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(base, p));
  if (job.kind === 'train') {
    const train = job.train;
    if (typeof job.backend?.use !== 'string') throw new PrdError(`${file}: "backend" must name a backend plugin ({ "use": "local" })`);
    if (typeof train !== 'object' || train === null || typeof train.model?.use !== 'string' || typeof train.train !== 'string' || typeof train.modelDir !== 'string') {
      throw new PrdError(`${file}: "train" must be a training job with "model", "train" (a tensor file) and "modelDir"`);
    }
    return { ...job, train: { ...train, train: at(train.train)!, validation: at(train.validation), modelDir: at(train.modelDir)!, checkpointDir: at(train.checkpointDir ?? 'checkpoints')! } };
  }
  if (job.kind !== 'run') throw new PrdError(`${file}: unknown job kind ${JSON.stringify((job as { kind?: unknown }).kind)}; prd worker runs "run" and "train" jobs`);
  if (typeof job.recipe !== 'string') throw new PrdError(`${file}: "recipe" must be the path of a recipe file`);
  return { ...job, recipe: at(job.recipe)!, runsDir: at(job.runsDir), cacheDir: at(job.cacheDir) };
}

/** One line of a worker's stdout: an event of the run, its result, or why it failed. */
export type WorkerLine<E = unknown, R = unknown> = { type: 'event'; event: E } | { type: 'result'; result: R } | { type: 'error'; message: string; exitCode: number };
