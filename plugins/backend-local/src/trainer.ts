import { existsSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { deriveSeed, PrdError, TensorFile, type EpochRecord, type TrainContext, type TrainJob, type TrainOutcome } from '@prd/core';
import { loadModel, lossFunction, modelSignature, saveModel, selectBackend, setDropoutDraws, tfl, withRegularisation, type LayersModel, type Variable } from '@prd/tensor';
import { bestDir, jobIdentity, loadLatestCheckpoint, saveCheckpoint, type TrainState } from './checkpoints.js';
import { checkDivergence } from './divergence.js';
import { startFromWeights } from './fork.js';
import { evaluateFile } from './evaluate.js';
import { FUSED_RUNTIME, fusedStepperFor } from './fused-stepper.js';
import type { LocalConfig } from './options.js';
import { makeOptimizer, setLearningRate } from './optimizer.js';
import { ParallelTrainer } from './parallel/coordinator.js';
import { EarlyStopping, LearningRateSchedule, monitored } from './schedule.js';
import { LocalStepper, ParallelStepper, type Stepper } from './stepper.js';

// Training runs synchronously on wasm/cpu; handing control back to the event loop this often keeps Ctrl-C,
// progress rendering and trackers responsive.
const YIELD_MS = 200;

function isLayersModel(m: unknown): m is LayersModel {
  return typeof m === 'object' && m !== null && 'trainableWeights' in m && 'apply' in m && 'save' in m;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Worker threads to use. `auto` splits batches across *idle* cores, when an epoch is long enough to repay starting
 * the workers: replicas meet at every step, so on a busy machine one descheduled thread stalls the others and a single
 * thread is faster (measured; see the README's performance notes). `replicable` is false where steps cannot be
 * split across threads (tfjs on a native backend, which uses every core itself).
 */
export function resolveWorkers(option: LocalConfig['workers'], replicable: boolean, batchesPerEpoch: number, batchSize: number, cores = availableParallelism(), load = loadavg()[0]): number {
  if (!replicable) return 0;
  // Every replica needs at least two rows of a batch to be worth its synchronisation.
  const most = Math.max(0, Math.floor(batchSize / 2) - 1);
  if (option !== 'auto') return Math.min(option, most);
  const idle = Math.round(cores - load);
  return batchesPerEpoch >= 50 ? Math.max(0, Math.min(idle - 1, 3, most)) : 0;
}

/** Fit the job's model on the local machine, validating each epoch, checkpointing, and saving into `modelDir`. */
export async function trainLocal(job: TrainJob, context: TrainContext, config: LocalConfig): Promise<TrainOutcome> {
  const backend = await selectBackend(config.device);
  const { events, signal } = context;
  const train = TensorFile.open(job.train);
  const validation = job.validation && existsSync(job.validation) ? TensorFile.open(job.validation) : undefined;
  const identity = jobIdentity(job, train.header);
  const lossFn = lossFunction(job.config.loss);
  const bands = job.shape.task === 'bands';
  const { optimizer, learningRate } = makeOptimizer(job.config);
  const schedule = new LearningRateSchedule(learningRate, job.config.learningRateSchedule);
  const es = job.config.earlyStopping;
  const hasValidation = validation !== undefined && validation.rows > 0;
  let monitor = es?.monitor ?? 'val_loss';
  if (monitor === 'val_loss' && !hasValidation) {
    if (es || job.config.learningRateSchedule) events.log('there is no validation split, so early stopping and the learning-rate schedule monitor the training loss', 'warn');
    monitor = 'loss';
  }
  const stopper = new EarlyStopping(es?.patience ?? Number.POSITIVE_INFINITY, es?.minDelta ?? 0);
  const restoreBest = es !== undefined && (es.restoreBestWeights ?? true);

  let model: LayersModel | undefined;
  let resumedFrom: string | undefined;
  let state: TrainState = { job: identity, epoch: 0, history: [], earlyStopping: stopper.state(), schedule: schedule.state(), throughput: [], stoppedEarly: false };
  if (job.resume) {
    // An unreadable checkpoint is skipped with a warning; the newest intact one is used.
    const checkpoint = await loadLatestCheckpoint(job.checkpointDir, (message) => events.log(message, 'warn'));
    // A checkpoint of another job (other model options, data or seed) must not continue under this job's name.
    if (checkpoint && checkpoint.state.job !== undefined && checkpoint.state.job !== identity) {
      checkpoint.model.dispose();
      throw new PrdError(`the checkpoint in ${job.checkpointDir} was made by a different training job (other model options, data, seed or settings); start a new run instead of --resume`);
    }
    if (checkpoint) {
      ({ model, state } = checkpoint);
      resumedFrom = checkpoint.dir;
      stopper.restore(state.earlyStopping);
      schedule.restore(state.schedule);
      // Build the optimizer's slots against this model's variables, then overwrite them with the saved state.
      await checkpoint.restoreOptimizer(optimizer);
      events.log(`resuming from the checkpoint of epoch ${state.epoch}`);
    } else {
      events.log(`no checkpoint in ${job.checkpointDir}; training from the start`, 'warn');
    }
  } else {
    rmSync(job.checkpointDir, { recursive: true, force: true });
  }
  if (!model) {
    const built = await context.model.build(job.shape);
    if (!isLayersModel(built)) throw new PrdError(`model "${job.model.use}" did not build a TensorFlow.js layers model, which the local backend needs`);
    model = built;
    // A fork starts from another model's weights; a resumed run has its own checkpoint instead.
    if (job.initialWeights) await startFromWeights(model, job.initialWeights, events);
  }
  if (train.rows === 0) throw new PrdError('the training split has no rows; check the split and the data transforms');
  const variables = model.trainableWeights.map((w) => w.read() as Variable);
  // The loss the steps minimise: the data loss plus the model's L2 penalties (Keras' fit adds them; tfjs' only in fit).
  const trainingLoss = withRegularisation(model, lossFn);
  const { batchSize, epochs } = job.config;
  const batchesPerEpoch = Math.ceil(train.rows / batchSize);
  // Dropout draws one mask per step; a resumed run continues the sequence where the checkpoint left it.
  const dropoutDraws = state.epoch * batchesPerEpoch;
  setDropoutDraws(model, dropoutDraws);
  // The fused step runs on its own wasm kernels whichever tfjs backend validates, so it can always be replicated;
  // tfjs replicas need tfjs on wasm or cpu (a native backend already uses every core).
  const fusedWorkers = resolveWorkers(config.workers, true, batchesPerEpoch, batchSize);
  const fused = await fusedStepperFor(config.runtime ?? 'auto', job, context.model, model, optimizer, fusedWorkers, events);
  const workers = fused ? fused.threads - 1 : resolveWorkers(config.workers, backend.device === 'wasm' || backend.device === 'cpu', batchesPerEpoch, batchSize);
  const runtime = fused ? `${FUSED_RUNTIME}${fused.threads > 1 ? ` x${fused.threads}` : ''} (validation on ${backend.runtime})` : workers > 0 ? `${backend.runtime} x${workers + 1}` : backend.runtime;
  const threads = workers > 0 ? `, ${workers + 1} threads` : '';
  events.log(`training ${job.model.use} (${model.countParams().toLocaleString('en-US')} parameters) on ${fused ? runtime : backend.runtime + threads}, ${train.rows.toLocaleString('en-US')} rows, batch ${batchSize}`);
  const stepper: Stepper =
    fused ??
    (workers > 0
      ? new ParallelStepper(
          await ParallelTrainer.start({ workers, device: backend.device, model, variables, optimizer, config: job.config, loss: job.config.loss, lossFn: trainingLoss, bands, shape: train.header, batchSize, optimizerDir: resumedFrom, dropoutDraws }),
        )
      : new LocalStepper(model, variables, optimizer, trainingLoss, bands, train.header));

  try {
    for (let epoch = state.epoch + 1; epoch <= epochs && !state.stoppedEarly; epoch++) {
      const lr = schedule.beforeEpoch(epoch);
      setLearningRate(optimizer, lr);
      events.emit({ type: 'epoch:start', epoch, epochs, batches: batchesPerEpoch });
      const started = performance.now();
      let lastYield = started;
      let seen = 0;
      let batchIndex = 0;
      const shuffleSeed = job.config.shuffle === false ? undefined : deriveSeed(job.seed, `shuffle:${epoch}`);
      for (const batch of train.batches({ batchSize, shuffleSeed })) {
        await stepper.trainBatch(batch, lr);
        seen += batch.size;
        batchIndex++;
        const now = performance.now();
        if (now - lastYield >= YIELD_MS) {
          const elapsed = now - started;
          events.emit({ type: 'batch', epoch, batch: batchIndex, batches: batchesPerEpoch, loss: stepper.runningLoss() / seen, etaMs: (elapsed / batchIndex) * (batchesPerEpoch - batchIndex) });
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        // Stop cleanly between batches: the previous epoch's checkpoint is intact and `--resume` continues from it.
        if (signal.aborted) throw signal.reason ?? new Error('training was stopped');
      }
      const trainMs = performance.now() - started;
      const totals = stepper.takeTotals();
      await stepper.sync?.();
      const metrics: Record<string, number> = { loss: totals.loss / seen };
      if (bands) metrics.accuracy = totals.accuracy / seen;
      if (hasValidation) {
        const val = evaluateFile(model, validation!, lossFn, bands, config.validationBatchSize);
        metrics.val_loss = val.loss;
        if (val.accuracy !== undefined) metrics.val_accuracy = val.accuracy;
      }
      checkDivergence(model, metrics, epoch, lr);
      const durationMs = performance.now() - started;
      const record: EpochRecord = { epoch, metrics, timestamp: Date.now(), durationMs, learningRate: lr };
      const value = monitored(metrics, monitor);
      if (value !== undefined && stopper.update(epoch, value) && restoreBest) await saveModel(model, bestDir(job.checkpointDir));
      schedule.afterEpoch(value);
      const stoppedEarly = es !== undefined && stopper.shouldStop && epoch < epochs;
      state = {
        job: identity,
        epoch,
        history: [...state.history, record],
        earlyStopping: stopper.state(),
        schedule: schedule.state(),
        throughput: [...state.throughput, seen / (trainMs / 1000)],
        stoppedEarly,
      };
      const recent = state.history.slice(-3);
      const meanEpochMs = recent.reduce((s, r) => s + r.durationMs, 0) / recent.length;
      events.emit({ type: 'epoch', epochs, record, etaMs: stoppedEarly ? 0 : meanEpochMs * (epochs - epoch), samplesPerSecond: state.throughput[state.throughput.length - 1] });
      await saveCheckpoint(job.checkpointDir, model, optimizer, state, config.keepCheckpoints);
      if (stoppedEarly) events.log(`early stopping after epoch ${epoch}: ${monitor} has not improved for ${stopper.patience} epochs (best ${stopper.best.toPrecision(5)} at epoch ${stopper.bestEpoch})`);
      await yieldToEventLoop();
    }
  } finally {
    await stepper.close();
  }

  let finalModel = model;
  let bestEpoch = state.epoch;
  if (restoreBest && stopper.bestEpoch > 0 && stopper.bestEpoch !== state.epoch) {
    finalModel = await loadModel(bestDir(job.checkpointDir));
    bestEpoch = stopper.bestEpoch;
    events.log(`keeping the weights of epoch ${bestEpoch} (best ${monitor})`);
  }
  await saveModel(finalModel, job.modelDir);
  const parameters = finalModel.countParams();
  const saved = { format: 'tfjs_layers_model', files: { model_json: 'model.json', weights: 'weights.bin' }, libraryVersion: tfl.version_layers, ...modelSignature(finalModel) };
  if (finalModel !== model) finalModel.dispose();
  model.dispose();
  optimizer.dispose();
  const throughput = state.throughput.length ? state.throughput.reduce((a, b) => a + b, 0) / state.throughput.length : 0;
  return { history: state.history, bestEpoch, stoppedEarly: state.stoppedEarly, runtime, samplesPerSecond: throughput, parameters, saved };
}
