import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eachLimited, runFiles } from './artifacts.js';
import { proxyRoot, type MlflowClient } from './client.js';
import type { MlflowOptions } from './config.js';
import { MlflowError } from './http.js';
import { markAcked, type Ledger } from './ledger.js';
import { planBatches, type KeyValue, type Metric } from './limits.js';
import { MODEL_DIR, isModelLogged, loggedModelJson } from './model.js';

/** What a pass sent and what it left out on purpose. */
export interface SyncReport {
  sent: string[];
  skipped: string[];
}

/**
 * Moves MLflow's record of one run towards what the ledger says it should be, in order: run, params, tags, metrics,
 * and once the run has ended artifacts, model, registration and status. Every acknowledged step is written to the
 * ledger at once, so a pass that fails half-way loses nothing and repeats nothing.
 */
export class Reconciler {
  readonly report: SyncReport = { sent: [], skipped: [] };

  constructor(
    private readonly client: MlflowClient,
    private readonly ledger: Ledger,
    private readonly options: MlflowOptions,
    private readonly runDir: string,
    private readonly save: () => void,
  ) {}

  /** One pass. `final`: the run has ended, so send artifacts, the model and the status too. Throws on server failure. */
  async run(final: boolean): Promise<void> {
    const runId = await this.ensureRun();
    if (!this.ledger.paramsSent) await this.sendParams(runId);
    const tags = Object.entries(this.ledger.tags).filter(([k, v]) => this.ledger.tagsSent[k] !== v);
    if (tags.length > 0) {
      const batch = tags.map(([key, value]) => ({ key, value }));
      await this.client.logBatch(runId, { tags: batch });
      for (const t of batch) this.ledger.tagsSent[t.key] = t.value;
      this.save();
      this.report.sent.push(`${batch.length} tags`);
    }
    await this.settleMetrics(runId);
    if (!final || this.ledger.status === undefined) return;
    if (!this.ledger.artifacts.done) await this.sendArtifacts();
    if (this.ledger.status === 'FINISHED') await this.sendModel(runId);
    if (!this.ledger.statusSent) {
      await this.client.updateRun(runId, this.ledger.status, this.ledger.endTime);
      this.ledger.statusSent = true;
      this.save();
      this.report.sent.push(`status ${this.ledger.status}`);
    }
  }

  private async ensureRun(): Promise<string> {
    const ledger = this.ledger;
    if (ledger.mlflow) {
      if (ledger.reopen) {
        await this.client.updateRun(ledger.mlflow.runId, 'RUNNING');
        ledger.reopen = false;
        this.save();
      }
      return ledger.mlflow.runId;
    }
    if (ledger.attachTo) {
      const job = await this.client.getRun(ledger.attachTo);
      if (!job) throw new MlflowError(`the MLflow run ${ledger.attachTo} this run should log into (its AzureML job's run, $MLFLOW_RUN_ID) does not exist on the server`, 404, 'RESOURCE_DOES_NOT_EXIST', false, false);
      ledger.mlflow = { experimentId: job.info.experiment_id, runId: job.info.run_id, artifactUri: job.info.artifact_uri };
      this.report.sent.push(`logging into MLflow run ${job.info.run_id} (the AzureML job's run)`);
      this.save();
      return job.info.run_id;
    }
    const experimentId = await this.client.experimentId(ledger.target.experiment);
    // An earlier create may have reached the server even though its answer was lost: look for it first.
    const earlier = ledger.createAttempted ? await this.client.findRunByTag([experimentId], 'prd.run_id', ledger.prdRunId) : undefined;
    if (earlier) {
      ledger.mlflow = { experimentId, runId: earlier.info.run_id, artifactUri: earlier.info.artifact_uri };
      this.report.sent.push(`found MLflow run ${earlier.info.run_id}`);
    } else {
      ledger.createAttempted = true;
      this.save();
      const tags = Object.entries(ledger.tags).map(([key, value]) => ({ key, value }));
      // Tags go with the create only if they fit one request; otherwise the tag step sends them in batches.
      const withCreate = tags.length <= 100 ? tags : [];
      const info = await this.client.createRun(experimentId, ledger.runName, ledger.startTime, withCreate);
      ledger.mlflow = { experimentId, runId: info.run_id, artifactUri: info.artifact_uri };
      for (const t of withCreate) ledger.tagsSent[t.key] = t.value;
      this.report.sent.push(`created MLflow run ${info.run_id} in experiment "${ledger.target.experiment}"`);
    }
    this.save();
    return ledger.mlflow.runId;
  }

  private async sendParams(runId: string): Promise<void> {
    let params: KeyValue[] = Object.entries(this.ledger.params).map(([key, value]) => ({ key, value }));
    try {
      await this.client.logBatch(runId, { params });
    } catch (error) {
      // Params are write-once: a value already on the server that differs fails the whole request.
      if (!(error instanceof MlflowError) || error.errorCode !== 'INVALID_PARAMETER_VALUE') throw error;
      const existing = new Map(((await this.client.getRun(runId))?.data.params ?? []).map((p) => [p.key, p.value]));
      const conflicts = params.filter((p) => existing.has(p.key) && existing.get(p.key) !== p.value);
      params = params.filter((p) => !existing.has(p.key));
      await this.client.logBatch(runId, { params });
      for (const c of conflicts) this.report.skipped.push(`param ${c.key}: the server has a different value, and MLflow params cannot change`);
    }
    this.ledger.paramsSent = true;
    this.save();
    this.report.sent.push(`${params.length} params`);
  }

  /** Settle points whose request may or may not have landed, by reading the server's history of their keys. */
  private async checkUncertain(runId: string): Promise<void> {
    const uncertain = this.ledger.metrics.uncertain;
    let already = 0;
    for (const key of [...new Set(uncertain.map((p) => p.key))]) {
      const history = await this.client.metricHistory(runId, key);
      const onServer = new Set(history.map((p) => `${p.step}@${p.timestamp}`));
      const mine = uncertain.filter((p) => p.key === key);
      const present = mine.filter((p) => onServer.has(`${p.step}@${p.timestamp}`));
      markAcked(this.ledger, present);
      already += present.length;
      const missing = mine.filter((p) => !onServer.has(`${p.step}@${p.timestamp}`));
      this.ledger.metrics.uncertain = this.ledger.metrics.uncertain.filter((p) => p.key !== key);
      this.ledger.metrics.pending.unshift(...missing);
      this.save();
    }
    if (already > 0) this.report.skipped.push(`${already} metric points already on the server`);
  }

  /**
   * Send pending points. A request whose fate is unknown (connection reset, 502) is settled against the server's
   * history and the rest resent at once, twice at most per pass, so one lost answer does not stall the run.
   */
  private async settleMetrics(runId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.ledger.metrics.uncertain.length > 0) await this.checkUncertain(runId);
      try {
        await this.sendMetrics(runId);
        return;
      } catch (error) {
        if (!(error instanceof MlflowError) || !error.ambiguous || attempt >= 2 || this.client.http.aborted) throw error;
      }
    }
  }

  private async sendMetrics(runId: string): Promise<void> {
    let sent = 0;
    while (this.ledger.metrics.pending.length > 0) {
      const [batch] = planBatches(this.ledger.metrics.pending.slice(0, 1000), [], []);
      const inFlight = new Set<Metric>(batch.metrics);
      try {
        await this.client.http.call('POST', 'api/2.0/mlflow/runs/log-batch', { json: { run_id: runId, metrics: batch.metrics, params: [], tags: [] }, idempotent: false });
      } catch (error) {
        // A request that may have landed is checked against the server's history before anything is resent.
        if (error instanceof MlflowError && error.ambiguous) {
          this.ledger.metrics.pending = this.ledger.metrics.pending.filter((p) => !inFlight.has(p));
          this.ledger.metrics.uncertain.push(...batch.metrics);
          this.save();
        }
        throw error;
      }
      this.ledger.metrics.pending = this.ledger.metrics.pending.filter((p) => !inFlight.has(p));
      markAcked(this.ledger, batch.metrics);
      this.save();
      sent += batch.metrics.length;
    }
    if (sent > 0) this.report.sent.push(`${sent} metric points`);
  }

  private async sendArtifacts(): Promise<void> {
    const ledger = this.ledger;
    const artifacts = ledger.artifacts;
    if (!this.options.artifacts) {
      artifacts.done = true;
      this.save();
      return;
    }
    const root = proxyRoot(ledger.mlflow?.artifactUri ?? '');
    if (root === undefined) {
      artifacts.done = true;
      this.save();
      this.report.skipped.push(`artifacts: the run's artifact location ${ledger.mlflow?.artifactUri} is not served by the tracking server (start it with --serve-artifacts)`);
      return;
    }
    const { files, unsafe } = runFiles(this.runDir, this.options.exclude);
    for (const path of unsafe) artifacts.skipped[path] = 'MLflow refuses "#" in artifact paths; rename the file';
    const due = files.filter((f) => artifacts.uploaded[f.path]?.size !== f.size || artifacts.uploaded[f.path]?.mtimeMs !== f.mtimeMs);
    let bytes = 0;
    await eachLimited(due, 4, async (file) => {
      try {
        await this.client.putArtifact(`${root}/${file.path}`, readFileSync(join(this.runDir, file.path)));
      } catch (error) {
        if (error instanceof MlflowError && !error.unavailable && error.status !== undefined && error.status < 500) {
          artifacts.skipped[file.path] = error.message;
          return;
        }
        throw error;
      }
      artifacts.uploaded[file.path] = { size: file.size, mtimeMs: file.mtimeMs };
      bytes += file.size;
      this.save();
    });
    artifacts.done = true;
    this.save();
    if (due.length > 0) this.report.sent.push(`${due.length} files (${(bytes / 1e6).toFixed(2)} MB)`);
    for (const [path, why] of Object.entries(artifacts.skipped)) this.report.skipped.push(`${path}: ${why}`);
  }

  private async sendModel(runId: string): Promise<void> {
    const ledger = this.ledger;
    if (!ledger.mlflow || !ledger.artifacts.uploaded[`${MODEL_DIR}/MLmodel`]) return;
    if (!ledger.model.logged) {
      const model = loggedModelJson(this.runDir, runId, ledger.prdRunId, ledger.endTime ?? ledger.startTime);
      if (!model) return;
      // log-model appends to a tag: after a lost answer, look before logging again.
      if (!isModelLogged(await this.client.getRun(runId), model)) await this.client.logModel(runId, model);
      ledger.model.logged = true;
      this.save();
      this.report.sent.push('model (MLmodel, flavor ' + Object.keys((model.flavors as object) ?? {}).join(', ') + ')');
    }
    const name = this.options.registerAs;
    if (!name) return;
    if (!ledger.model.version) {
      await this.client.ensureRegisteredModel(name);
      const [existing] = await this.client.versionsOfRun(name, runId);
      const version = existing ?? (await this.client.createModelVersion(name, `${ledger.mlflow.artifactUri.replace(/\/+$/, '')}/${MODEL_DIR}`, runId));
      ledger.model.version = version.version;
      this.save();
      this.report.sent.push(`registered model "${name}" version ${version.version}`);
    }
    if (this.options.alias && !ledger.model.aliasSet) {
      await this.client.setAlias(name, this.options.alias, ledger.model.version);
      ledger.model.aliasSet = true;
      this.save();
      this.report.sent.push(`alias ${name}@${this.options.alias} -> version ${ledger.model.version}`);
    }
  }
}
