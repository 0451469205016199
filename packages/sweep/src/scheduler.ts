import { closest, type MetricTree } from '@prd/core';
import { asLoss, isBetter, isEpochObjective, metricAt, metricPaths } from './objective.js';
import type { Sampler } from './samplers.js';
import { isDone, type SweepState, type TrialRecord } from './state.js';
import { decide, type Curves } from './termination.js';
import type { Observation } from './tpe.js';

/** What a running trial reports back to the scheduler. */
export interface TrialCallbacks {
  /** The trial's run directory exists. */
  started(info: { runId: string; runDir: string }): void;
  /** The trial got past the data steps (its split and scaling are in the shared cache). */
  dataReady(): void;
  epoch(epoch: number, epochs: number, metrics: Record<string, number>): void;
  /** The trial's process ended. `killed`: it was stopped (after {@link TrialHandle.stop}). */
  ended(outcome: { status: 'finished' | 'failed' | 'killed'; metrics?: MetricTree; error?: string }): void;
}

/** A running trial. */
export interface TrialHandle {
  /** Ask the trial to stop (SIGTERM); `ended` follows. */
  stop(): void;
}

/** Starts a trial (a `prd worker` process, or anything that reports the same way). */
export type Launcher = (trial: TrialRecord, callbacks: TrialCallbacks) => TrialHandle;

/** How the scheduler runs. */
export interface SchedulerOptions {
  state: SweepState;
  sampler: Sampler;
  launch: Launcher;
  /** Trials at once (the sweep's concurrency, capped by the machine). */
  concurrency: number;
  /** Called after every change of the state (write sweep.json, redraw the table). */
  changed?: (state: SweepState, trial?: TrialRecord) => void;
  now?: () => number;
}

type StopIntent = { state: 'early-stopped' | 'timed-out' | 'interrupted' | 'failed'; rule?: string; reason: string };

/**
 * Runs a sweep's trials asynchronously: up to `concurrency` at once, a new one as soon as one ends; the first trial
 * runs alone until it is past the data steps, so that the others reuse its cached split and scaling; per-epoch
 * objectives feed the early-termination rule, which stops trials through their handle.
 */
export class SweepScheduler {
  private readonly running = new Map<number, { handle: TrialHandle; timer?: NodeJS.Timeout; stopping?: StopIntent }>();
  private readonly curves: Curves = new Map();
  private closing?: StopIntent;
  private exhausted = false;
  private sweepTimer?: NodeJS.Timeout;
  private finish?: () => void;
  private readonly startedAt: number;
  private readonly elapsedBefore: number;

  constructor(private readonly options: SchedulerOptions) {
    const now = options.now ?? Date.now;
    this.startedAt = now();
    this.elapsedBefore = options.state.elapsedMs;
    for (const trial of options.state.trials) {
      this.curves.set(String(trial.number), new Map(Object.entries(trial.curve).map(([e, v]) => [Number(e), v])));
    }
  }

  private get state(): SweepState {
    return this.options.state;
  }

  private get total(): number {
    const limit = this.state.spec.limits.trials;
    return this.options.sampler.size === undefined ? limit : Math.min(limit, this.options.sampler.size);
  }

  private changed(trial?: TrialRecord): void {
    this.state.elapsedMs = this.elapsedBefore + ((this.options.now ?? Date.now)() - this.startedAt);
    this.options.changed?.(this.state, trial);
  }

  /** Run until every trial ended, the sweep timed out, or {@link stop} was called. */
  run(): Promise<SweepState> {
    this.state.status = 'running';
    this.state.error = undefined;
    // Trials interrupted last time run again (resumed from their checkpoints).
    for (const t of this.state.trials) if (t.state === 'running' || t.state === 'interrupted') t.state = 'pending';
    const timeout = this.state.spec.limits.timeoutSeconds;
    if (timeout !== undefined) {
      const left = Math.max(0, timeout * 1000 - this.state.elapsedMs);
      this.sweepTimer = setTimeout(() => this.stop({ state: 'timed-out', rule: 'sweep-timeout', reason: `the sweep reached its time limit of ${timeout} s` }), left);
    }
    return new Promise((resolve) => {
      this.finish = () => {
        clearTimeout(this.sweepTimer);
        this.state.best = bestTrial(this.state)?.number;
        this.state.endedAt = new Date().toISOString();
        this.changed();
        resolve(this.state);
      };
      this.fill();
    });
  }

  /** Stop every running trial and start no more (Ctrl-C: the trials become `interrupted`). */
  stop(intent: StopIntent = { state: 'interrupted', reason: 'the sweep was interrupted' }): void {
    if (this.closing) return;
    this.closing = intent;
    this.state.status = intent.state === 'timed-out' ? 'timed-out' : intent.state === 'failed' ? 'failed' : 'interrupted';
    if (intent.state === 'failed') this.state.error = intent.reason;
    for (const [number] of this.running) this.stopTrial(number, intent);
    this.changed();
    this.settle();
  }

  private stopTrial(number: number, intent: StopIntent): void {
    const slot = this.running.get(number);
    if (!slot || slot.stopping) return;
    slot.stopping = intent;
    slot.handle.stop();
  }

  /**
   * The trials a draw at `index` learns from: for an adaptive sampler only trials 1..index+1-c (c the sweep's
   * concurrency, not the machine's), so the proposal does not depend on which trials happened to finish first;
   * undefined while one of them is still running (the slot waits).
   */
  private observations(index: number): Observation[] | undefined {
    let pool = this.state.trials;
    if (this.options.sampler.adaptive) {
      const basis = index + 1 - (this.state.spec.limits.concurrency ?? 1);
      pool = pool.filter((t) => t.number <= basis);
      if (pool.some((t) => !isDone(t))) return undefined;
    }
    return pool.flatMap((t) => (t.objective !== undefined && Number.isFinite(t.objective) && isDone(t) ? [{ unit: t.unit, loss: asLoss(this.state.spec.objective.goal, t.objective) }] : []));
  }

  /** The next trial to run: a pending one (resume), else a fresh draw. */
  private nextTrial(): TrialRecord | undefined {
    const pending = this.state.trials.find((t) => t.state === 'pending');
    if (pending) return pending;
    if (this.state.trials.length >= this.total) return undefined;
    const index = this.state.trials.length;
    const observations = this.observations(index);
    if (!observations) return undefined;
    const draw = this.options.sampler.draw(index, observations);
    if (!draw) {
      this.exhausted = true;
      return undefined;
    }
    const trial: TrialRecord = { number: index + 1, params: draw.params, unit: draw.unit, state: 'pending', curve: {}, attempts: 0 };
    this.state.trials.push(trial);
    return trial;
  }

  private fill(): void {
    while (!this.closing) {
      // Until one trial is past the data steps, only one runs: the rest then reuse its cached split and scaling.
      const slots = this.state.dataReady ? this.options.concurrency : 1;
      if (this.running.size >= slots) break;
      const trial = this.nextTrial();
      if (!trial) break;
      this.start(trial);
    }
    this.settle();
  }

  private settle(): void {
    if (this.running.size > 0 || !this.finish) return;
    if (!this.closing) {
      const more = this.state.trials.some((t) => t.state === 'pending') || (!this.exhausted && this.state.trials.length < this.total);
      if (more) return;
      this.state.status = 'finished';
    }
    const finish = this.finish;
    this.finish = undefined;
    finish();
  }

  private start(trial: TrialRecord): void {
    const key = String(trial.number);
    trial.state = 'running';
    trial.attempts += 1;
    trial.startedAt ??= new Date().toISOString();
    trial.endedAt = undefined;
    if (!this.curves.has(key)) this.curves.set(key, new Map());
    const objective = this.state.spec.objective;
    const perEpoch = isEpochObjective(objective);
    const callbacks: TrialCallbacks = {
      started: (info) => {
        trial.runId = info.runId;
        trial.runDir = info.runDir;
        this.changed(trial);
      },
      dataReady: () => {
        if (this.state.dataReady) return;
        this.state.dataReady = true;
        this.changed(trial);
        this.fill();
      },
      epoch: (epoch, epochs, metrics) => {
        trial.epoch = epoch;
        trial.epochs = epochs;
        if (perEpoch) {
          const value = metrics[objective.metric];
          if (value === undefined) {
            const known = Object.keys(metrics);
            const near = closest(objective.metric, known);
            this.stop({ state: 'failed', reason: `the objective "${objective.metric}" is not among the metrics training reports per epoch (${known.join(', ')})${near ? `; did you mean "${near}"?` : ''}` });
            return;
          }
          trial.curve[String(epoch)] = value;
          trial.objective = value;
          this.curves.get(key)!.set(epoch, value);
          const policy = this.state.spec.earlyTermination;
          const slot = this.running.get(trial.number);
          if (policy && slot && !slot.stopping && epoch < epochs) {
            const decision = decide(policy, objective.goal, objective.metric, key, epoch, this.curves);
            if (decision.stop) {
              trial.stoppedBy = { rule: decision.rule!, reason: decision.reason! };
              this.stopTrial(trial.number, { state: 'early-stopped', rule: decision.rule, reason: decision.reason! });
            }
          }
        }
        this.changed(trial);
      },
      ended: (outcome) => {
        const slot = this.running.get(trial.number);
        clearTimeout(slot?.timer);
        this.running.delete(trial.number);
        trial.endedAt = new Date().toISOString();
        const intent = slot?.stopping;
        if (outcome.status === 'finished') {
          trial.state = 'finished';
          trial.stoppedBy = undefined;
          trial.metrics = outcome.metrics;
          if (!perEpoch) {
            trial.objective = metricAt(outcome.metrics, objective.metric);
            if (trial.objective === undefined) {
              const known = metricPaths(outcome.metrics ?? {});
              const near = closest(objective.metric, known);
              this.stop({ state: 'failed', reason: `the objective "${objective.metric}" is not in trial ${trial.number}'s metrics.json${near ? `; did you mean "${near}"?` : ''} (it has ${known.length} metrics, such as ${known.slice(0, 4).join(', ')})` });
            }
          }
        } else if (intent) {
          trial.state = intent.state === 'failed' ? 'interrupted' : intent.state;
          if (intent.state === 'timed-out') trial.stoppedBy = { rule: intent.rule ?? 'timeout', reason: intent.reason };
        } else {
          trial.state = 'failed';
          trial.error = outcome.error ?? 'the trial failed';
          // A trial that fails before its data is ready means the recipe itself is broken: stop the sweep.
          if (!this.state.dataReady) this.stop({ state: 'failed', reason: `trial ${trial.number} failed before training: ${trial.error}` });
        }
        this.changed(trial);
        this.fill();
      },
    };
    const handle = this.options.launch(trial, callbacks);
    const slot: { handle: TrialHandle; timer?: NodeJS.Timeout; stopping?: StopIntent } = { handle };
    this.running.set(trial.number, slot);
    const limit = this.state.spec.limits.trialTimeoutSeconds;
    if (limit !== undefined) {
      slot.timer = setTimeout(() => this.stopTrial(trial.number, { state: 'timed-out', rule: 'trial-timeout', reason: `the trial ran longer than ${limit} s` }), limit * 1000);
    }
    this.changed(trial);
  }
}

/** The best finished trial (early-stopped ones have no complete model or end metrics), or undefined. */
export function bestTrial(state: SweepState): TrialRecord | undefined {
  const goal = state.spec.objective.goal;
  const pool = state.trials.filter((t) => t.state === 'finished' && t.objective !== undefined && Number.isFinite(t.objective));
  return pool.reduce<TrialRecord | undefined>((best, t) => (best === undefined || isBetter(goal, t.objective!, best.objective!) ? t : best), undefined);
}
