import type { CacheEntryInfo, StepCache } from './cache.js';
import type { RunEvents, StepName } from './events.js';
import type { StepRecord } from './run-dir.js';

/** Runs steps through the cache, emitting step events and recording each step for the manifest. */
export class StepTimeline {
  readonly records: StepRecord[] = [];

  constructor(private readonly cache: StepCache, private readonly events: RunEvents, private readonly signal: AbortSignal) {}

  private check(): void {
    if (this.signal.aborted) throw this.signal.reason ?? new Error('aborted');
  }

  /** A step that is not cached on its own (it is cheap, or lazy). */
  async plain<T>(name: StepName, work: () => Promise<T>, summarize?: (value: T) => Record<string, unknown>, detail?: string): Promise<T> {
    this.check();
    const start = Date.now();
    this.events.emit({ type: 'step:start', step: name, cached: false, detail });
    const value = await work();
    const durationMs = Date.now() - start;
    const summary = summarize?.(value);
    this.records.push({ name, cached: false, durationMs, summary });
    this.events.emit({ type: 'step:end', step: name, cached: false, durationMs, summary: summary ? describe(summary) : undefined });
    return value;
  }

  /**
   * A cached step: when an entry for `key` exists its directory is returned as is; otherwise `work` writes its outputs
   * into a fresh directory, which becomes the entry when it succeeds.
   */
  async cached(name: StepName, key: string, work: (dir: string) => Promise<Record<string, unknown>>): Promise<{ dir: string; info: CacheEntryInfo }> {
    this.check();
    const start = Date.now();
    // Another process computing the same entry is waited for, and its entry used (write-once entries).
    const hit = this.cache.lookup(name, key) ?? (await this.cache.acquire(name, key, this.signal));
    this.events.emit({ type: 'step:start', step: name, cached: hit !== undefined });
    let info = hit;
    if (!info) {
      const tmp = this.cache.begin(name, key);
      try {
        const summary = await work(tmp);
        this.check();
        info = this.cache.commit(name, key, tmp, summary);
      } catch (error) {
        this.cache.abandon(tmp);
        throw error;
      }
    }
    const durationMs = Date.now() - start;
    this.records.push({ name, key, cached: hit !== undefined, durationMs, summary: info.summary });
    this.events.emit({ type: 'step:end', step: name, cached: hit !== undefined, durationMs, summary: describe(info.summary) });
    return { dir: this.cache.entryDir(name, key), info };
  }

  /** A step that does not apply to this recipe. */
  skip(name: StepName, reason: string): void {
    this.records.push({ name, cached: false, skipped: reason, durationMs: 0 });
    this.events.emit({ type: 'step:skip', step: name, reason });
  }
}

function describe(summary: Record<string, unknown>): string {
  return Object.entries(summary)
    .filter(([, v]) => v !== undefined && (typeof v !== 'object' || v === null || Object.keys(v).length <= 4))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(4) : String(v)}`)
    .join(' ');
}
