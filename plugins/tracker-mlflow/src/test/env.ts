import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The MLflow installation the integration tests use, exported by .ci/services/mlflow.sh. */
export interface MlflowTestEnv {
  /** A running tracking server shared by the tests. */
  uri: string;
  /** The `mlflow` executable, for tests that need servers of their own. */
  bin?: string;
  /** A Python with mlflow installed, to read records back with mlflow.MlflowClient. */
  python?: string;
}

/**
 * The test server, or undefined when none is configured (the integration tests skip). In CI the tests are
 * required: a missing server is an error, not a skip.
 */
export function mlflowTestEnv(): MlflowTestEnv | undefined {
  const uri = process.env.MLFLOW_TEST_URI;
  if (!uri) {
    if (process.env.CI === 'true' || process.env.CI === '1') {
      throw new Error('MLFLOW_TEST_URI is not set in CI: .ci/run must source .ci/services/mlflow.sh before npm test');
    }
    return undefined;
  }
  return { uri: uri.replace(/\/+$/, ''), bin: process.env.MLFLOW_TEST_BIN, python: process.env.MLFLOW_TEST_PYTHON };
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'mlflow_record.py');

/** MLflow's record of a run as MLflow's own Python client reads it (scripts/mlflow_record.py). */
export interface PythonRecord {
  experiment: string;
  info: { run_id: string; run_name: string; status: string; start_time: number; end_time: number | null; artifact_uri: string };
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, Array<{ step: number; timestamp: number; value: number | string }>>;
  artifacts: Array<{ path: string; size: number }>;
  versions: Array<{ name: string; version: string; source: string; status: string; aliases: string[] }>;
  alias?: { name: string; version: string; run_id: string };
  downloaded?: string[];
}

/** Read a run with mlflow.MlflowClient; with a model name (and alias), also resolve and download the model. */
export async function pythonRecord(env: MlflowTestEnv, uri: string, runId: string, model?: string, alias?: string): Promise<PythonRecord> {
  if (!env.python) throw new Error('MLFLOW_TEST_PYTHON is not set: source .ci/services/mlflow.sh');
  const args = [SCRIPT, uri, runId, ...(model ? [model] : []), ...(alias ? [alias] : [])];
  const { stdout } = await promisify(execFile)(env.python, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, MLFLOW_TRACKING_URI: uri, GIT_PYTHON_REFRESH: 'quiet' } });
  return JSON.parse(stdout) as PythonRecord;
}
