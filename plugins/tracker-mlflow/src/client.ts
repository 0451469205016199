import type { MlflowConnection } from './config.js';
import { MlflowError, MlflowHttp, type RetryPolicy } from './http.js';
import { planBatches, type Metric, type KeyValue } from './limits.js';

const API = 'api/2.0/mlflow';
const ARTIFACTS = 'api/2.0/mlflow-artifacts/artifacts';

/** Status of an MLflow run. */
export type MlflowRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** `run.info` as the server returns it. */
export interface RunInfo {
  run_id: string;
  experiment_id: string;
  run_name?: string;
  status: MlflowRunStatus;
  start_time?: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

/** A run with its latest metrics, params and tags. */
export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
}

/** A registered model version. */
export interface ModelVersion {
  name: string;
  version: string;
  source: string;
  run_id?: string;
  status?: 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
  aliases?: string[];
}

/** One entry of an artifact listing. */
export interface ArtifactFile {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** A thin typed client of MLflow's tracking, registry and artifact-proxy REST API. */
export class MlflowClient {
  readonly http: MlflowHttp;

  constructor(connection: MlflowConnection, policy: RetryPolicy) {
    this.http = new MlflowHttp(connection, policy);
  }

  /** The server's version (`GET /version`), such as "3.17.2". */
  async version(): Promise<string> {
    const bytes = await this.http.call<Buffer>('GET', 'version', { idempotent: true, raw: true });
    return bytes.toString('utf8').trim();
  }

  /** The id of the experiment with this name, created if missing (safe when two clients race). */
  async experimentId(name: string): Promise<string> {
    const existing = await this.experimentByName(name);
    if (existing) return existing;
    try {
      const created = await this.http.call<{ experiment_id: string }>('POST', `${API}/experiments/create`, { json: { name }, idempotent: false });
      return String(created.experiment_id);
    } catch (error) {
      // Someone else created it first (or our first attempt did and its answer was lost).
      const again = await this.experimentByName(name);
      if (again) return again;
      throw error;
    }
  }

  private async experimentByName(name: string): Promise<string | undefined> {
    try {
      const found = await this.http.call<{ experiment: { experiment_id: string; lifecycle_stage: string } }>('GET', `${API}/experiments/get-by-name`, {
        searchParams: { experiment_name: name },
        idempotent: true,
      });
      if (found.experiment.lifecycle_stage === 'deleted') {
        throw new MlflowError(`experiment "${name}" is deleted in MLflow; restore it in the MLflow UI or pick another experiment name`, 400, 'INVALID_STATE', false, false);
      }
      return String(found.experiment.experiment_id);
    } catch (error) {
      if (error instanceof MlflowError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  }

  /** Create a run. Not idempotent: callers look for an earlier attempt with `findRunByTag` first. */
  async createRun(experimentId: string, runName: string, startTime: number, tags: KeyValue[]): Promise<RunInfo> {
    const body = { experiment_id: experimentId, run_name: runName, start_time: startTime, tags };
    const created = await this.http.call<{ run: Run }>('POST', `${API}/runs/create`, { json: body, idempotent: false });
    return created.run.info;
  }

  /** A run by id, or undefined if the server does not know it. */
  async getRun(runId: string): Promise<Run | undefined> {
    try {
      return (await this.http.call<{ run: Run }>('GET', `${API}/runs/get`, { searchParams: { run_id: runId }, idempotent: true })).run;
    } catch (error) {
      if (error instanceof MlflowError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  }

  /** The active run of an experiment whose tag `key` equals `value` (prd tags every run with `prd.run_id`). */
  async findRunByTag(experimentIds: string[], key: string, value: string): Promise<Run | undefined> {
    const filter = `tags.\`${key}\` = '${value.replace(/'/g, "\\'")}'`;
    const found = await this.http.call<{ runs?: Run[] }>('POST', `${API}/runs/search`, {
      json: { experiment_ids: experimentIds, filter, max_results: 1, run_view_type: 'ACTIVE_ONLY' },
      idempotent: true,
    });
    return found.runs?.[0];
  }

  /** Set a run's status and end time. */
  async updateRun(runId: string, status: MlflowRunStatus, endTime?: number): Promise<void> {
    await this.http.call('POST', `${API}/runs/update`, { json: { run_id: runId, status, end_time: endTime }, idempotent: true });
  }

  /**
   * Send metrics, params and tags in as few `log-batch` requests as MLflow's limits allow. `onSent` is called after
   * each acknowledged request with what it carried, so a caller can record progress even if a later request fails.
   */
  async logBatch(runId: string, items: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] }, onSent?: (sent: { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] }) => void): Promise<void> {
    for (const batch of planBatches(items.metrics ?? [], items.params ?? [], items.tags ?? [])) {
      // Params and tags are idempotent, metrics append: a request carrying metrics is only retried when certainly not applied.
      await this.http.call('POST', `${API}/runs/log-batch`, { json: { run_id: runId, ...batch }, idempotent: batch.metrics.length === 0 });
      onSent?.(batch);
    }
  }

  /** Every recorded point of one metric, in server order. */
  async metricHistory(runId: string, key: string): Promise<Metric[]> {
    const points: Metric[] = [];
    let token: string | undefined;
    do {
      const page = await this.http.call<{ metrics?: Metric[]; next_page_token?: string }>('GET', `${API}/metrics/get-history`, {
        searchParams: { run_id: runId, metric_key: key, max_results: 25_000, ...(token ? { page_token: token } : {}) },
        idempotent: true,
      });
      points.push(...(page.metrics ?? []));
      token = page.next_page_token || undefined;
    } while (token);
    return points;
  }

  /** Record a logged model on the run (appends to the `mlflow.log-model.history` tag). */
  async logModel(runId: string, model: Record<string, unknown>): Promise<void> {
    await this.http.call('POST', `${API}/runs/log-model`, { json: { run_id: runId, model_json: JSON.stringify(model) }, idempotent: false });
  }

  /** Upload one file through the server's artifact proxy; `artifactPath` is relative to the proxy root. */
  async putArtifact(artifactPath: string, bytes: Buffer): Promise<void> {
    // Slow links get time in proportion to size: the policy's timeout plus 10 s per MB.
    const timeoutMs = this.http.policy.timeoutMs + Math.ceil(bytes.length / 1e6) * 10_000;
    await this.http.call('PUT', `${ARTIFACTS}/${encodePath(artifactPath)}`, { body: bytes, idempotent: true, timeoutMs });
  }

  /** Download one file through the artifact proxy. */
  async getArtifact(artifactPath: string): Promise<Buffer> {
    return this.http.call<Buffer>('GET', `${ARTIFACTS}/${encodePath(artifactPath)}`, { idempotent: true, raw: true, timeoutMs: this.http.policy.timeoutMs * 4 });
  }

  /** Every file under `path` of a run's artifacts, recursively, with paths relative to the artifact root. */
  async listRunArtifacts(runId: string, path = ''): Promise<ArtifactFile[]> {
    const out: ArtifactFile[] = [];
    let token: string | undefined;
    do {
      const page = await this.http.call<{ files?: ArtifactFile[]; next_page_token?: string }>('GET', `${API}/artifacts/list`, {
        searchParams: { run_id: runId, ...(path ? { path } : {}), ...(token ? { page_token: token } : {}) },
        idempotent: true,
      });
      for (const file of page.files ?? []) {
        if (file.is_dir) out.push(...(await this.listRunArtifacts(runId, file.path)));
        else out.push(file);
      }
      token = page.next_page_token || undefined;
    } while (token);
    return out;
  }

  /** Create a registered model unless it exists. */
  async ensureRegisteredModel(name: string): Promise<void> {
    try {
      await this.http.call('POST', `${API}/registered-models/create`, { json: { name }, idempotent: true });
    } catch (error) {
      if (error instanceof MlflowError && (error.errorCode === 'RESOURCE_ALREADY_EXISTS' || error.errorCode === 'ALREADY_EXISTS')) return;
      throw error;
    }
  }

  /** Versions of a registered model that came from one run. */
  async versionsOfRun(name: string, runId: string): Promise<ModelVersion[]> {
    const filter = `name = '${name.replace(/'/g, "\\'")}' and run_id = '${runId}'`;
    const found = await this.http.call<{ model_versions?: ModelVersion[] }>('GET', `${API}/model-versions/search`, { searchParams: { filter, max_results: 100 }, idempotent: true });
    return found.model_versions ?? [];
  }

  /** Register a model version from a run's artifacts; waits until it is READY. */
  async createModelVersion(name: string, source: string, runId: string): Promise<ModelVersion> {
    const created = await this.http.call<{ model_version: ModelVersion }>('POST', `${API}/model-versions/create`, { json: { name, source, run_id: runId }, idempotent: false });
    let version = created.model_version;
    for (let i = 0; version.status === 'PENDING_REGISTRATION' && i < 60; i++) {
      await new Promise((r) => setTimeout(r, 500));
      version = await this.modelVersion(name, version.version);
    }
    if (version.status === 'FAILED_REGISTRATION') throw new MlflowError(`registering ${name} version ${version.version} failed on the server`, undefined, 'FAILED_REGISTRATION', false, false);
    return version;
  }

  /** One model version. */
  async modelVersion(name: string, version: string): Promise<ModelVersion> {
    return (await this.http.call<{ model_version: ModelVersion }>('GET', `${API}/model-versions/get`, { searchParams: { name, version }, idempotent: true })).model_version;
  }

  /** The version an alias points at. */
  async modelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return (await this.http.call<{ model_version: ModelVersion }>('GET', `${API}/registered-models/alias`, { searchParams: { name, alias }, idempotent: true })).model_version;
  }

  /** Where a model version's files are (`runs:/…` or an artifact URI). */
  async modelVersionDownloadUri(name: string, version: string): Promise<string> {
    return (await this.http.call<{ artifact_uri: string }>('GET', `${API}/model-versions/get-download-uri`, { searchParams: { name, version }, idempotent: true })).artifact_uri;
  }

  /** Point an alias at a version (moves it if it pointed elsewhere). */
  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.call('POST', `${API}/registered-models/alias`, { json: { name, alias, version }, idempotent: true });
  }
}

/** Percent-encode each segment of a relative artifact path. */
export function encodePath(path: string): string {
  return path.split('/').filter(Boolean).map(encodeURIComponent).join('/');
}

/**
 * The artifact-proxy path of a run's artifact root: `mlflow-artifacts:/1/<run>/artifacts` (or with `//host:port`)
 * becomes `1/<run>/artifacts`. Other schemes mean the server does not proxy this experiment's artifacts.
 */
export function proxyRoot(artifactUri: string): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  return match ? match[1].replace(/\/+$/, '') : undefined;
}
