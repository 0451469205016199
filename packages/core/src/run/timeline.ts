import type { StepCache } from './cache.js';
import type { RunEvents } from './events.js';
import type { GraphContext, Skipped, StepDef, StepName, StepOutputs, StepResult } from './graph.js';
import { plainDigest, stepKey } from './keys.js';
import type { StepRecord } from './run-dir.js';

/** Runs steps of the table through the cache, emitting step events and recording each step for the manifest. */
export class StepTimeline {
  readonly records: StepRecord[] = [];

  constructor(private readonly cache: StepCache, private readonly events: RunEvents, private readonly signal: AbortSignal) {}

  private check(): void {
    if (this.signal.aborted) throw this.signal.reason ?? new Error('aborted');
  }

  /** Run one step (or take it from the cache, or skip it), then publish its result into the run. */
  async run(g: GraphContext, def: StepDef<StepName>): Promise<void> {
    this.check();
    const reason = def.skip?.(g);
    if (reason !== undefined) {
      setResult(g, def.name, { skipped: reason });
      this.records.push({ name: def.name, cached: false, skipped: reason, durationMs: 0 });
      this.events.emit({ type: 'step:skip', step: def.name, reason });
      return;
    }
    const start = Date.now();
    const detail = def.detail?.(g.env);
    let result: StepResult<StepName>;
    let key: string | undefined;
    if (!def.cached) {
      this.events.emit({ type: 'step:start', step: def.name, cached: false, detail });
      const value = await def.run(g, '');
      result = { value, digest: plainDigest(g, def, value), cached: false };
    } else {
      key = stepKey(g, def);
      if (!key) throw new Error(`step ${def.name} ran before the steps it reads (${def.reads.join(', ')})`);
      // Another process computing the same entry is waited for, and its entry used (write-once entries).
      const hit = this.cache.lookup(def.name, key) ?? (await this.cache.acquire(def.name, key, this.signal));
      this.events.emit({ type: 'step:start', step: def.name, cached: hit !== undefined, detail });
      let info = hit;
      if (!info) {
        const tmp = this.cache.begin(def.name, key);
        try {
          const value = await def.run(g, tmp);
          this.check();
          info = this.cache.commit(def.name, key, tmp, toSummary(value));
        } catch (error) {
          this.cache.abandon(tmp);
          throw error;
        }
      }
      const dir = this.cache.entryDir(def.name, key);
      // The entry's digest was computed from its files when it was written and checked when it was looked up.
      result = { value: fromSummary(def.name, info.summary), dir, digest: info.digest, cached: hit !== undefined };
    }
    setResult(g, def.name, result);
    const durationMs = Date.now() - start;
    const summary = def.summary ? def.summary(result.value) : toSummary(result.value);
    this.records.push({ name: def.name, key, digest: result.digest, cached: result.cached, durationMs, summary });
    this.events.emit({ type: 'step:end', step: def.name, cached: result.cached, durationMs, summary: describe(summary) });
    await def.publish?.(g, result);
  }
}

/** Record a step's result in the graph context. */
export function setResult(g: GraphContext, name: StepName, result: StepResult<StepName> | Skipped): void {
  (g.results as Record<StepName, StepResult<StepName> | Skipped>)[name] = result;
}

/** A step output as a cache entry stores it (outputs are JSON objects). */
function toSummary(value: StepOutputs[StepName]): Record<string, unknown> {
  return { ...value };
}

/**
 * A step output read back from its cache entry. The entry was written by the same step of the same code (the code
 * digest is in the key), so its summary has the step's output type.
 */
export function fromSummary<N extends StepName>(_name: N, summary: Record<string, unknown>): StepOutputs[N] {
  return summary as StepOutputs[N];
}

function describe(summary: Record<string, unknown>): string {
  return Object.entries(summary)
    .filter(([, v]) => v !== undefined && (typeof v !== 'object' || v === null || Object.keys(v).length <= 4))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(4) : String(v)}`)
    .join(' ');
}
