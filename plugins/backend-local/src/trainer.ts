import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveSeed, PrdError, type EpochRecord, type TrainJob, type TrainOutcome } from '@prd/core';
import {
  batchInputs,
  categoricalAccuracy,
  loadModel,
  lossFunction,
  modelSignature,
  saveModel,
  selectBackend,
  tf,
  writeMlModel,
  type LayersModel,
  type Variable,
} from '@prd/tensor';
import { bestDir, loadLatestCheckpoint, saveCheckpoint, type TrainState } from './checkpoints.js';
import { evaluateFile } from './evaluate.js';
import type { LocalConfig } from './options.js';
import { makeOptimizer, setLearningRate } from './optimizer.js';
import { EarlyStopping, LearningRateSchedule, monitored } from './schedule.js';

// Training runs synchronously on wasm/cpu; handing control back to the event loop this often keeps Ctrl-C,
// progress rendering and trackers responsive.
const YIELD_MS = 200;

function isLayersModel(m: unknown): m is LayersModel {
  return typeof m === 'object' && m !== null && 'trainableWeights' in m && 'apply' in m && 'save' in m;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Fit the job's model on the local machine, validating each epoch, checkpointing, and saving into `modelDir`. */
export async function trainLocal(job: TrainJob, config: LocalConfig): Promise<TrainOutcome> {
  const backend = await selectBackend(config.device);
  const { events, signal } = job;
  const lossFn = lossFunction(job.config.loss);
  const bands = job.shape.task === 'bands';
  const { optimizer, learningRate } = makeOptimizer(job.config);
  const schedule = new LearningRateSchedule(learningRate, job.config.learningRateSchedule);
  const es = job.config.earlyStopping;
  const hasValidation = job.validation !== undefined && job.validation.rows > 0;
  let monitor = es?.monitor ?? 'val_loss';
  if (monitor === 'val_loss' && !hasValidation) {
    if (es || job.config.learningRateSchedule) events.log('there is no validation split, so early stopping and the learning-rate schedule monitor the training loss', 'warn');
    monitor = 'loss';
  }
  const stopper = new EarlyStopping(es?.patience ?? Number.POSITIVE_INFINITY, es?.minDelta ?? 0);
  const restoreBest = es !== undefined && (es.restoreBest ?? true);

  let model: LayersModel | undefined;
  let state: TrainState = { epoch: 0, history: [], earlyStopping: stopper.state(), schedule: schedule.state(), throughput: [], stoppedEarly: false };
  if (job.resume) {
    const checkpoint = await loadLatestCheckpoint(job.checkpointDir);
    if (checkpoint) {
      model = checkpoint.model;
      state = checkpoint.state;
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
    const built = await job.model.build(job.shape);
    if (!isLayersModel(built)) throw new PrdError(`model "${job.modelRef.use}" did not build a TensorFlow.js layers model, which the local backend needs`);
    model = built;
  }
  const variables = model.trainableWeights.map((w) => w.read() as Variable);
  const { heights, profileFeatures, outputs } = job.train.header;
  const batchSize = job.config.batchSize;
  const epochs = job.config.epochs;
  const batchesPerEpoch = Math.ceil(job.train.rows / batchSize);
  if (job.train.rows === 0) throw new PrdError('the training split has no rows; check the split and the data transforms');
  events.log(`training ${job.modelRef.use} (${model.countParams().toLocaleString('en-US')} parameters) on ${backend.runtime}, ${job.train.rows.toLocaleString('en-US')} rows, batch ${batchSize}`);

  let stoppedEarly = state.stoppedEarly;
  for (let epoch = state.epoch + 1; epoch <= epochs && !stoppedEarly; epoch++) {
    const lr = schedule.beforeEpoch(epoch);
    setLearningRate(optimizer, lr);
    events.emit({ type: 'epoch:start', epoch, epochs, batches: batchesPerEpoch });
    const started = performance.now();
    let lastYield = started;
    let lossSum = tf.keep(tf.scalar(0));
    let accSum = tf.keep(tf.scalar(0));
    let seen = 0;
    let batchIndex = 0;
    const shuffleSeed = job.config.shuffle === false ? undefined : deriveSeed(job.seed, `shuffle:${epoch}`);
    for (const batch of job.train.batches({ batchSize, shuffleSeed })) {
      const [nextLoss, nextAcc] = tf.tidy(() => {
        const inputs = batchInputs(model, batch, heights, profileFeatures);
        const y = tf.tensor2d(batch.target, [batch.size, outputs]);
        let acc: tf.Scalar | undefined;
        const cost = optimizer.minimize(
          () => {
            const p = model.apply(inputs.length === 1 ? inputs[0] : inputs, { training: true }) as tf.Tensor;
            if (bands) acc = tf.keep(categoricalAccuracy(y, p));
            return lossFn(y, p);
          },
          true,
          variables,
        )!;
        return [tf.keep(tf.add(lossSum, tf.mul(cost, batch.size))), tf.keep(acc ? tf.add(accSum, tf.mul(acc, batch.size)) : accSum.clone())];
      });
      lossSum.dispose();
      accSum.dispose();
      lossSum = nextLoss;
      accSum = nextAcc;
      seen += batch.size;
      batchIndex++;
      const now = performance.now();
      if (now - lastYield >= YIELD_MS) {
        const elapsed = now - started;
        events.emit({ type: 'batch', epoch, batch: batchIndex, batches: batchesPerEpoch, loss: lossSum.dataSync()[0] / seen, etaMs: (elapsed / batchIndex) * (batchesPerEpoch - batchIndex) });
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (signal.aborted) {
        lossSum.dispose();
        accSum.dispose();
        throw signal.reason ?? new Error('training was stopped');
      }
    }
    const trainMs = performance.now() - started;
    const metrics: Record<string, number> = { loss: lossSum.dataSync()[0] / seen };
    if (bands) metrics.accuracy = accSum.dataSync()[0] / seen;
    lossSum.dispose();
    accSum.dispose();
    if (hasValidation) {
      const val = evaluateFile(model, job.validation!, lossFn, bands, config.validationBatchSize);
      metrics.val_loss = val.loss;
      if (val.accuracy !== undefined) metrics.val_accuracy = val.accuracy;
    }
    const durationMs = performance.now() - started;
    const record: EpochRecord = { epoch, metrics, timestamp: Date.now(), durationMs, learningRate: lr };
    state.history.push(record);
    state.throughput.push(seen / (trainMs / 1000));
    const value = monitored(metrics, monitor);
    if (value !== undefined && stopper.update(epoch, value) && restoreBest) await saveModel(model, bestDir(job.checkpointDir));
    schedule.afterEpoch(value);
    stoppedEarly = es !== undefined && stopper.shouldStop && epoch < epochs;
    const meanEpochMs = state.history.slice(-3).reduce((s, r) => s + r.durationMs, 0) / Math.min(3, state.history.length);
    events.emit({ type: 'epoch', epochs, record, etaMs: stoppedEarly ? 0 : meanEpochMs * (epochs - epoch), samplesPerSecond: state.throughput[state.throughput.length - 1] });
    state = { ...state, epoch, earlyStopping: stopper.state(), schedule: schedule.state(), stoppedEarly };
    await saveCheckpoint(job.checkpointDir, model, optimizer, state, config.keepCheckpoints);
    if (stoppedEarly) events.log(`early stopping after epoch ${epoch}: ${monitor} has not improved for ${stopper.patience} epochs (best ${stopper.best.toPrecision(5)} at epoch ${stopper.bestEpoch})`);
    await yieldToEventLoop();
  }

  let finalModel = model;
  let bestEpoch = state.epoch;
  if (restoreBest && stopper.bestEpoch > 0 && stopper.bestEpoch !== state.epoch) {
    finalModel = await loadModel(bestDir(job.checkpointDir));
    bestEpoch = stopper.bestEpoch;
    events.log(`keeping the weights of epoch ${bestEpoch} (best ${monitor})`);
  }
  await saveModel(finalModel, job.modelDir);
  writeFileSync(join(job.modelDir, 'preprocessing.json'), `${JSON.stringify(job.preprocessing, null, 2)}\n`);
  writeMlModel(job.modelDir, { modelRef: job.modelRef, ...modelSignature(finalModel), runtime: backend.runtime, parameters: finalModel.countParams() });
  const parameters = finalModel.countParams();
  if (finalModel !== model) finalModel.dispose();
  model.dispose();
  optimizer.dispose();
  const throughput = state.throughput.length ? state.throughput.reduce((a, b) => a + b, 0) / state.throughput.length : 0;
  return { history: state.history, bestEpoch, stoppedEarly, runtime: backend.runtime, samplesPerSecond: throughput, parameters };
}
