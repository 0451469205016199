import type { Batch } from '@prd/core';
import { batchInputs, categoricalAccuracy, tf, type LayersModel, type LossFn, type Optimizer, type Variable } from '@prd/tensor';
import type { ParallelTrainer } from './parallel/coordinator.js';

/** Trains on batches and keeps the epoch's running sums of loss and accuracy (each weighted by rows). */
export interface Stepper {
  trainBatch(batch: Batch, learningRate: number): Promise<void> | void;
  /** Loss and accuracy summed over the batches since the last call, then reset. */
  takeTotals(): { loss: number; accuracy: number };
  /** The loss summed so far this epoch (for progress), without resetting. */
  runningLoss(): number;
  /** Bring the tfjs model and optimizer up to date (a stepper that trains outside tfjs); called after `takeTotals`. */
  sync?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Single-threaded steps. The sums stay tensors until read, so a backend that runs asynchronously (tfjs-node on a
 * GPU) is not forced to synchronise on every batch.
 */
export class LocalStepper implements Stepper {
  private loss = tf.keep(tf.scalar(0));
  private accuracy = tf.keep(tf.scalar(0));

  constructor(
    private readonly model: LayersModel,
    private readonly variables: Variable[],
    private readonly optimizer: Optimizer,
    private readonly lossFn: LossFn,
    private readonly bands: boolean,
    private readonly shape: { heights: number; profileFeatures: number; outputs: number },
  ) {}

  trainBatch(batch: Batch): void {
    const { heights, profileFeatures, outputs } = this.shape;
    const [loss, accuracy] = tf.tidy(() => {
      const inputs = batchInputs(this.model, batch, heights, profileFeatures);
      const y = tf.tensor2d(batch.target, [batch.size, outputs]);
      let acc: tf.Scalar | undefined;
      const cost = this.optimizer.minimize(
        () => {
          const p = this.model.apply(inputs.length === 1 ? inputs[0] : inputs, { training: true }) as tf.Tensor;
          if (this.bands) acc = tf.keep(categoricalAccuracy(y, p));
          return this.lossFn(y, p);
        },
        true,
        this.variables,
      )!;
      return [tf.keep(tf.add(this.loss, tf.mul(cost, batch.size))), tf.keep(acc ? tf.add(this.accuracy, tf.mul(acc, batch.size)) : this.accuracy.clone())];
    });
    this.loss.dispose();
    this.accuracy.dispose();
    this.loss = loss;
    this.accuracy = accuracy;
  }

  runningLoss(): number {
    return this.loss.dataSync()[0];
  }

  takeTotals(): { loss: number; accuracy: number } {
    const totals = { loss: this.loss.dataSync()[0], accuracy: this.accuracy.dataSync()[0] };
    this.loss.dispose();
    this.accuracy.dispose();
    this.loss = tf.keep(tf.scalar(0));
    this.accuracy = tf.keep(tf.scalar(0));
    return totals;
  }

  async close(): Promise<void> {
    this.loss.dispose();
    this.accuracy.dispose();
  }
}

/** Steps split across worker threads (see parallel/coordinator.ts). */
export class ParallelStepper implements Stepper {
  private loss = 0;
  private accuracy = 0;

  constructor(private readonly trainer: ParallelTrainer) {}

  async trainBatch(batch: Batch, learningRate: number): Promise<void> {
    const r = await this.trainer.trainBatch(batch, learningRate);
    this.loss += r.loss;
    this.accuracy += r.accuracy;
  }

  runningLoss(): number {
    return this.loss;
  }

  takeTotals(): { loss: number; accuracy: number } {
    const totals = { loss: this.loss, accuracy: this.accuracy };
    this.loss = 0;
    this.accuracy = 0;
    return totals;
  }

  close(): Promise<void> {
    return this.trainer.close();
  }
}
