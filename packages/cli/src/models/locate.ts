import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isModelUri, resolveModel, RunEvents, type PluginContext } from '@prd/core';
import { installedPlugins } from '../plugins.js';

/** The local model directory of a run directory, a model/ folder, or a tracker URI (downloaded to a temp folder). */
export async function locateModel(model: string, note: (line: string) => void): Promise<string> {
  const events = new RunEvents();
  events.on((e) => e.type === 'log' && note(e.message));
  const tempDir = mkdtempSync(join(tmpdir(), 'prd-models-'));
  const context: PluginContext = { seed: 0, baseDir: process.cwd(), pointer: '', events, tempDir };
  const registry = await installedPlugins();
  return (await resolveModel(isModelUri(model) ? model : resolve(model), registry, context, tempDir)).modelDir;
}
