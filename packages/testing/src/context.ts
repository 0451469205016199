import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataEngine, RunEvents, resolveFeatures, type FeatureSpec, type PluginContext, type RunEvent, type TableContext } from '@prd/core';
import { precipDomain } from '@prd/precip';

/** A fresh temporary directory. */
export function tempDir(prefix = 'prd-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A plugin context for tests, with the events it received collected in `events`. */
export function pluginContext(overrides: Partial<PluginContext> = {}): PluginContext & { received: RunEvent[] } {
  const events = overrides.events ?? new RunEvents();
  const received: RunEvent[] = [];
  events.on((e) => received.push(e));
  const dir = overrides.baseDir ?? tempDir();
  return { seed: 42, baseDir: dir, pointer: '/test', tempDir: dir, ...overrides, events, received };
}

/** A real DuckDB engine for the duration of `fn`, closed afterwards. */
export async function withEngine<T>(fn: (engine: DataEngine) => Promise<T>): Promise<T> {
  const engine = await DataEngine.open({ threads: 2 });
  try {
    return await fn(engine);
  } finally {
    engine.close();
  }
}

/** The context transforms, samplers and rebalancers get, with features resolved against `sql`'s columns (in the precipitation domain, as recipes default to). */
export async function tableContext(engine: DataEngine, sql: string, spec: FeatureSpec, overrides: Partial<PluginContext> = {}): Promise<TableContext> {
  const columns = await engine.columns({ sql });
  const features = resolveFeatures(spec, columns.map((c) => c.name), { domain: precipDomain });
  return { ...pluginContext(overrides), engine, spec, features, columns };
}
