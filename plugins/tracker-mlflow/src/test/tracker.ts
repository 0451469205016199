import { RunEvents, type RunEvent } from '@prd/core';
import { Value } from '@sinclair/typebox/value';
import { MlflowOptions, resolveConnection } from '../config.js';
import { MlflowTracker } from '../tracker.js';

/** A tracker as the plugin creates it, with defaults applied to `options`. */
export function makeTracker(uri: string, options: Partial<MlflowOptions>, received: RunEvent[] = []): MlflowTracker {
  const events = new RunEvents();
  events.on((e) => received.push(e));
  const full = Value.Default(MlflowOptions, { uri, ...options }) as MlflowOptions;
  return new MlflowTracker({ connection: resolveConnection(full, {}), options: full, events });
}

