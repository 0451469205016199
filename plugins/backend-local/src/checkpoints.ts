import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFiles, hashOf, recordFiles, type EpochRecord, type FileRecord, type TrainJob } from '@prd/core';
import { loadModel, loadTensors, saveModel, saveTensors, type LayersModel, type Optimizer } from '@prd/tensor';

/** Training state saved with each checkpoint, enough to continue as if never stopped. */
export interface TrainState {
  /** Identity of the job that made the checkpoint (see {@link jobIdentity}); absent in checkpoints of older versions. */
  job?: string;
  /** Last completed 1-based epoch. */
  epoch: number;
  history: EpochRecord[];
  earlyStopping: { best: number | null; bestEpoch: number; wait: number };
  schedule: { current: number; plateauBest: number | null; plateauWait: number };
  /** Samples per second of each completed epoch. */
  throughput: number[];
  stoppedEarly: boolean;
}

const PREFIX = 'epoch-';
const STATE = 'state.json';
/** Size and sha256 of every other file of a checkpoint, written last: a checkpoint without it is incomplete. */
const DIGESTS = 'digests.json';

function epochDir(root: string, epoch: number): string {
  return join(root, `${PREFIX}${String(epoch).padStart(4, '0')}`);
}

/** Save the model, optimizer state and training state of a finished epoch; prune old checkpoints. */
export async function saveCheckpoint(root: string, model: LayersModel, optimizer: Optimizer, state: TrainState, keep: number): Promise<string> {
  const dir = epochDir(root, state.epoch);
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await saveModel(model, tmp);
  await saveTensors(await optimizer.getWeights(), tmp, 'optimizer');
  writeFileSync(join(tmp, STATE), JSON.stringify(state));
  writeFileSync(join(tmp, DIGESTS), JSON.stringify(recordFiles(tmp, [DIGESTS])));
  rmSync(dir, { recursive: true, force: true });
  // The directory only appears under its final name once complete, so a crash mid-save leaves the previous one.
  renameSync(tmp, dir);
  for (const old of listCheckpoints(root).slice(0, -keep)) rmSync(epochDir(root, old), { recursive: true, force: true });
  return dir;
}

/** Completed checkpoint epochs under `root`, oldest first. */
export function listCheckpoints(root: string): number[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => name.startsWith(PREFIX) && !name.endsWith('.partial') && existsSync(join(root, name, STATE)))
    .map((name) => Number(name.slice(PREFIX.length)))
    .filter((n) => Number.isInteger(n))
    .sort((a, b) => a - b);
}

/** What is wrong with a checkpoint directory (a file missing, truncated or changed), or undefined if it is intact. */
export function checkCheckpoint(dir: string): string | undefined {
  let files: FileRecord[];
  try {
    files = JSON.parse(readFileSync(join(dir, DIGESTS), 'utf8')) as FileRecord[];
  } catch {
    return `its ${DIGESTS} is missing or unreadable`;
  }
  return checkFiles(dir, files, [DIGESTS]);
}

/** A checkpoint ready to continue from. */
export interface LoadedCheckpoint {
  dir: string;
  model: LayersModel;
  state: TrainState;
  restoreOptimizer(optimizer: Optimizer): Promise<void>;
}

/**
 * The newest intact checkpoint: its model, state, and a function that loads the optimizer state into an optimizer.
 * A checkpoint whose files do not match their digests, or that cannot be read, is skipped (and reported through
 * `onSkip`) in favour of the next older one.
 */
export async function loadLatestCheckpoint(root: string, onSkip: (message: string) => void = () => undefined): Promise<LoadedCheckpoint | undefined> {
  for (const epoch of listCheckpoints(root).reverse()) {
    const dir = epochDir(root, epoch);
    const problem = checkCheckpoint(dir);
    if (problem) {
      onSkip(`the checkpoint of epoch ${epoch} is damaged (${problem}); trying an older one`);
      continue;
    }
    let loaded: LoadedCheckpoint;
    try {
      const state = JSON.parse(readFileSync(join(dir, STATE), 'utf8')) as TrainState;
      loaded = { dir, model: await loadModel(dir), state, restoreOptimizer: async (optimizer) => restoreOptimizer(dir, optimizer) };
    } catch (error) {
      onSkip(`the checkpoint of epoch ${epoch} cannot be read (${error instanceof Error ? error.message : String(error)}); trying an older one`);
      continue;
    }
    return loaded;
  }
  return undefined;
}

async function restoreOptimizer(dir: string, optimizer: Optimizer): Promise<void> {
  if (!existsSync(join(dir, 'optimizer.json'))) return;
  const weights = loadTensors(dir, 'optimizer');
  await optimizer.setWeights(weights);
  // setWeights makes variables that share the data; the loaded tensors themselves are no longer needed.
  for (const w of weights) w.tensor.dispose();
}

/** Where the weights of the best epoch so far are kept (for early stopping's restoreBestWeights). */
export function bestDir(root: string): string {
  return join(root, 'best');
}

/**
 * What a checkpoint may be resumed under: the job without its number of epochs (a resumed run may train longer)
 * and without where its files go. The training rows count by their tensor file's header (rows and layout).
 */
export function jobIdentity(job: TrainJob, trainHeader: unknown): string {
  const { epochs: _epochs, ...config } = job.config;
  return hashOf({ model: job.model, shape: job.shape, config, seed: job.seed, train: trainHeader });
}
