import type { TrainConfig } from '@prd/core';

/** The monitored value of an epoch: `val_loss` when there is validation data, else `loss`. */
export function monitored(metrics: Record<string, number>, monitor: 'val_loss' | 'loss'): number | undefined {
  const v = metrics[monitor];
  return Number.isFinite(v) ? v : undefined;
}

/** Keras-style early stopping: stop after `patience` epochs without an improvement of more than `minDelta`. */
export class EarlyStopping {
  best = Infinity;
  bestEpoch = 0;
  wait = 0;

  constructor(readonly patience: number, readonly minDelta: number) {}

  /** Record an epoch's monitored value; true when it is a new best. */
  update(epoch: number, value: number): boolean {
    if (value < this.best - this.minDelta) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      return true;
    }
    this.wait++;
    return false;
  }

  get shouldStop(): boolean {
    return this.wait >= this.patience;
  }

  /** Serialisable state, for checkpoints. */
  state(): { best: number | null; bestEpoch: number; wait: number } {
    return { best: Number.isFinite(this.best) ? this.best : null, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  restore(state: { best: number | null; bestEpoch: number; wait: number }): void {
    this.best = state.best ?? Infinity;
    this.bestEpoch = state.bestEpoch;
    this.wait = state.wait;
  }
}

/** Learning-rate schedule of the recipe: exponential decay per epoch, or reduce-on-plateau. */
export class LearningRateSchedule {
  private plateauBest = Infinity;
  private plateauWait = 0;
  current: number;

  constructor(readonly initial: number, readonly spec: TrainConfig['learningRateSchedule']) {
    this.current = initial;
  }

  /** The learning rate for a 1-based epoch, before it starts. */
  beforeEpoch(epoch: number): number {
    const exp = this.spec && 'exponential' in this.spec ? this.spec.exponential : undefined;
    if (exp) this.current = this.initial * exp.decayRate ** Math.floor((epoch - 1) / (exp.everyEpochs ?? 1));
    return this.current;
  }

  /** After an epoch: reduce-on-plateau looks at the monitored value (Keras ReduceLROnPlateau, min_delta 1e-4). */
  afterEpoch(value: number | undefined): void {
    const plateau = this.spec && 'reduceOnPlateau' in this.spec ? this.spec.reduceOnPlateau : undefined;
    if (!plateau || value === undefined) return;
    if (value < this.plateauBest - 1e-4) {
      this.plateauBest = value;
      this.plateauWait = 0;
      return;
    }
    this.plateauWait++;
    if (this.plateauWait >= plateau.patience) {
      this.current = Math.max(this.current * plateau.factor, plateau.minLearningRate ?? 0);
      this.plateauWait = 0;
    }
  }

  state(): { current: number; plateauBest: number | null; plateauWait: number } {
    return { current: this.current, plateauBest: Number.isFinite(this.plateauBest) ? this.plateauBest : null, plateauWait: this.plateauWait };
  }

  restore(state: { current: number; plateauBest: number | null; plateauWait: number }): void {
    this.current = state.current;
    this.plateauBest = state.plateauBest ?? Infinity;
    this.plateauWait = state.plateauWait;
  }
}
