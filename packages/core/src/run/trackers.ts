import type { TrackedEnd, TrackedRun, Tracker } from '../plugin/contract.js';
import { secrets } from '../recipe/secrets.js';
import type { Instance } from './context.js';
import type { EpochRecord, RunEvents } from './events.js';

/**
 * Calls every tracker's hooks and never lets one fail or block the run: errors become warnings (secrets
 * redacted), and per-epoch hooks are not awaited by training; `runEnded` waits for what is still in flight.
 */
export class TrackerFanout {
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly trackers: Instance<Tracker>[], private readonly events: RunEvents) {}

  private warn(tracker: Instance<Tracker>, hook: string, error: unknown): void {
    const message = secrets.redact(error instanceof Error ? error.message : String(error));
    this.events.log(`tracker "${tracker.use}" ${hook} failed: ${message}; the run continues and \`prd sync\` can send it later`, 'warn');
  }

  private call(hook: string, fn: (t: Tracker) => Promise<void> | void | undefined): Promise<void> {
    const calls = this.trackers.map(async (tracker) => {
      try {
        await fn(tracker.instance);
      } catch (error) {
        this.warn(tracker, hook, error);
      }
    });
    return Promise.all(calls).then(() => undefined);
  }

  /** The run started. */
  runStarted(run: TrackedRun): Promise<void> {
    return this.call('runStarted', (t) => t.runStarted?.(run));
  }

  /** An epoch ended; returns at once, the trackers work in the background. */
  epochEnded(record: EpochRecord): void {
    const pending = this.call('epochEnded', (t) => t.epochEnded?.(record));
    this.inflight.add(pending);
    void pending.finally(() => this.inflight.delete(pending));
  }

  /** The run ended; waits for earlier hooks to settle first. */
  async runEnded(end: TrackedEnd): Promise<void> {
    await Promise.all([...this.inflight]);
    await this.call('runEnded', (t) => t.runEnded?.(end));
  }
}
