import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Run } from './client.js';

/** The artifact folder of the trained model, inside the run directory and the MLflow run alike. */
export const MODEL_DIR = 'model';

/** A model URI of MLflow's forms. */
export type ModelUri =
  | { kind: 'run'; runId: string; path: string }
  | { kind: 'alias'; name: string; alias: string }
  | { kind: 'version'; name: string; version: string };

/** Parse `runs:/<id>/<path>`, `models:/<name>@<alias>` or `models:/<name>/<version>`; undefined for anything else. */
export function parseModelUri(uri: string): ModelUri | undefined {
  const run = /^runs:\/+([A-Za-z0-9][\w-]*)\/(.+?)\/*$/.exec(uri);
  if (run) return { kind: 'run', runId: run[1], path: run[2] };
  const alias = /^models:\/+([^/@]+)@([\w-]+)\/*$/.exec(uri);
  if (alias) return { kind: 'alias', name: decodeURIComponent(alias[1]), alias: alias[2] };
  const version = /^models:\/+([^/@]+)\/(\d+)\/*$/.exec(uri);
  if (version) return { kind: 'version', name: decodeURIComponent(version[1]), version: version[2] };
  return undefined;
}

/** Keys of an MLmodel that the Python client leaves out of `mlflow.log-model.history` (they can be large). */
const BULKY = ['signature', 'saved_input_example_info', 'metadata', 'resources', 'env_vars'];

/**
 * The dict `runs/log-model` records for the run directory's `model/MLmodel`, bound to the MLflow run, or undefined
 * when the run has no model. Fields the file lacks are derived from the run, so every send of a run is identical.
 */
export function loggedModelJson(runDir: string, mlflowRunId: string, prdRunId: string, endTime: number): Record<string, unknown> | undefined {
  const file = join(runDir, MODEL_DIR, 'MLmodel');
  if (!existsSync(file)) return undefined;
  const parsed = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  const model: Record<string, unknown> = { ...(parsed ?? {}) };
  for (const key of BULKY) delete model[key];
  model.run_id = mlflowRunId;
  model.artifact_path = MODEL_DIR;
  model.model_uuid ??= createHash('sha256').update(`${prdRunId}/${MODEL_DIR}`).digest('hex').slice(0, 32);
  model.utc_time_created ??= new Date(endTime).toISOString().replace('T', ' ').replace('Z', '000');
  model.flavors ??= {};
  return model;
}

/** Whether the run's `mlflow.log-model.history` tag already lists this model. */
export function isModelLogged(run: Run | undefined, model: Record<string, unknown>): boolean {
  const tag = run?.data.tags?.find((t) => t.key === 'mlflow.log-model.history');
  if (!tag) return false;
  try {
    const history = JSON.parse(tag.value) as Array<{ model_uuid?: string; artifact_path?: string }>;
    return history.some((h) => h.model_uuid === model.model_uuid && h.artifact_path === model.artifact_path);
  } catch {
    return false;
  }
}
