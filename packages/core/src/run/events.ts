import { EventEmitter } from 'node:events';

import type { StepName } from './graph.js';

export type { StepName } from './graph.js';

/** One epoch's results. Metric names follow Keras: `loss`, `val_loss`, `accuracy`, `val_accuracy`. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  metrics: Record<string, number>;
  /** Wall-clock time the epoch ended, in ms since the epoch (for trackers). */
  timestamp: number;
  durationMs: number;
  learningRate?: number;
}

/** Everything a run reports while it works; the CLI renders these, trackers mirror them. */
export type RunEvent =
  | { type: 'run:start'; runId: string; runDir: string; steps: StepName[] }
  | { type: 'step:start'; step: StepName; cached: boolean; detail?: string }
  | { type: 'step:end'; step: StepName; cached: boolean; durationMs: number; summary?: string }
  | { type: 'step:skip'; step: StepName; reason: string }
  | { type: 'progress'; step: StepName; done: number; total?: number; unit: string; etaMs?: number }
  | { type: 'epoch:start'; epoch: number; epochs: number; batches: number }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number; etaMs?: number }
  | { type: 'epoch'; epochs: number; record: EpochRecord; etaMs: number; samplesPerSecond: number }
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; message: string }
  | { type: 'run:end'; status: RunStatus; runId: string; runDir: string; durationMs: number };

/** How a run ended. */
export type RunStatus = 'FINISHED' | 'FAILED' | 'KILLED';

/** The typed event bus of a run. */
export class RunEvents {
  private readonly emitter = new EventEmitter();

  /** Publish an event to every listener. Listeners must not throw; if one does, the error is reported once. */
  emit(event: RunEvent): void {
    for (const listener of this.emitter.listeners('event') as Array<(e: RunEvent) => void>) {
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(`prd: an event listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Listen to every event; returns a function that stops listening. */
  on(listener: (event: RunEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  /** Shorthand for a log event. */
  log(message: string, level: 'info' | 'warn' | 'debug' = 'info'): void {
    this.emit({ type: 'log', level, message });
  }
}
