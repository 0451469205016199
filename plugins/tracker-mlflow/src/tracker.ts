import { PrdError, secrets, type EpochRecord, type RunEvents, type TrackedEnd, type TrackedRun, type Tracker } from '@prd/core';
import { downloadRunDir } from './artifacts.js';
import { MlflowClient, proxyRoot } from './client.js';
import type { MlflowConnection, MlflowOptions } from './config.js';
import { MlflowError, type RetryPolicy } from './http.js';
import { isComplete, ledgerPath, readLedger, writeLedger, type Ledger } from './ledger.js';
import { metricValue, mlflowKey, type Metric } from './limits.js';
import { parseModelUri } from './model.js';
import { Reconciler, type SyncReport } from './reconcile.js';
import { finalMetricPoints, ledgerFromRunDir, readRunFacts } from './run-dir.js';

/** Everything the tracker needs besides the run. */
export interface MlflowTrackerSettings {
  connection: MlflowConnection;
  options: MlflowOptions;
  events: RunEvents;
  /** Log into this existing MLflow run instead of creating one (an AzureML job's own run, $MLFLOW_RUN_ID). */
  attachRunId?: string;
}

/** While a run trains: few quick retries, so a sick server costs seconds at most, then prd sync takes over. */
function livePolicy(o: MlflowOptions): RetryPolicy {
  return { retries: o.retries, baseDelayMs: 500, maxDelayMs: 5_000, timeoutMs: o.timeoutMs };
}

/** `prd sync` and downloads: patient, like MLflow's own client. */
function patientPolicy(o: MlflowOptions): RetryPolicy {
  return { retries: Math.max(o.retries, 6), baseDelayMs: 1_000, maxDelayMs: 30_000, timeoutMs: Math.max(o.timeoutMs, 60_000) };
}

/** After a failure, a run leaves the server alone this long before trying again. */
const OFFLINE_MS = 15_000;

/**
 * Mirrors a prd run to MLflow. Nothing it does is awaited by training: hooks record what is due in the run's
 * ledger and return; one background pump sends it. A server that is down costs the run nothing but a warning;
 * the ledger keeps what was not acknowledged, and `sync` sends it later without duplicating metric points.
 */
export class MlflowTracker implements Tracker {
  private live?: { runDir: string; file: string; ledger: Ledger; client: MlflowClient; reconciler: Reconciler };
  private pumping?: Promise<void>;
  private again = false;
  private offlineUntil = 0;
  private warned = false;
  /** Requests the last live run made, for measurements. */
  lastStats?: MlflowClient['http']['stats'];

  constructor(private readonly settings: MlflowTrackerSettings) {}

  private experimentFor(recipeName: string): string {
    return this.settings.connection.experiment ?? recipeName;
  }

  async runStarted(run: TrackedRun): Promise<void> {
    const experiment = this.experimentFor(run.name);
    const file = ledgerPath(this.settings.connection.baseUrl, experiment);
    const facts = { runId: run.runId, name: run.name, recipe: run.recipe, tags: run.tags, startTime: run.startTime };
    let ledger = readLedger(run.runDir, file);
    if (ledger) {
      // `prd run --resume`: the same MLflow run goes on.
      Object.assign(ledger, { status: undefined, endTime: undefined, statusSent: false, finalQueued: false, reopen: true });
      ledger.artifacts.done = false;
    } else {
      ledger = ledgerFromRunDir(run.runDir, { uri: secrets.redact(this.settings.connection.baseUrl), experiment }, facts, false);
      if (this.settings.attachRunId) ledger.attachTo = this.settings.attachRunId;
    }
    const client = new MlflowClient(this.settings.connection, livePolicy(this.settings.options));
    this.live = { runDir: run.runDir, file, ledger, client, reconciler: new Reconciler(client, ledger, this.settings.options, run.runDir, () => this.save()) };
    this.save();
    this.kick();
  }

  epochEnded(record: EpochRecord): void {
    const live = this.live;
    if (!live) return;
    const points: Metric[] = Object.entries(record.metrics).map(([k, v]) => ({ key: mlflowKey(k), value: metricValue(v), timestamp: record.timestamp, step: record.epoch }));
    if (record.learningRate !== undefined) points.push({ key: 'learning_rate', value: metricValue(record.learningRate), timestamp: record.timestamp, step: record.epoch });
    live.ledger.metrics.pending.push(...points.filter((p) => !live.ledger.metrics.acked[p.key]?.includes(p.step)));
    this.save();
    this.kick();
  }

  async runEnded(end: TrackedEnd): Promise<void> {
    const live = this.live;
    if (!live) return;
    const { ledger, client } = live;
    ledger.status = end.status;
    ledger.endTime = end.endTime;
    if (!ledger.finalQueued) {
      ledger.metrics.pending.push(...finalMetricPoints(live.runDir, end.endTime));
      ledger.finalQueued = true;
    }
    this.save();
    const budget = end.status === 'KILLED' ? Math.min(this.settings.options.drainTimeoutMs, 10_000) : this.settings.options.drainTimeoutMs;
    const work = (async () => {
      await this.pumping;
      // The end of a run gets one more chance even if the server failed recently, within the drain budget.
      await this.step(true);
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([work.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), budget)))]);
    clearTimeout(timer);
    if (timedOut) {
      client.http.abort();
      await work.catch(() => undefined);
      ledger.lastError = `gave up after ${budget} ms at the end of the run`;
    }
    this.save();
    this.lastStats = client.http.stats;
    this.report(live);
    this.live = undefined;
  }

  /** A sweep's trials nest under this run in the MLflow UI through this tag (integrations.md §1.5). */
  async childTags(): Promise<Record<string, string>> {
    const live = this.live;
    if (!live) return {};
    await this.pumping;
    if (!live.ledger.mlflow) await this.step(false);
    return live.ledger.mlflow ? { 'mlflow.parentRunId': live.ledger.mlflow.runId } : {};
  }

  /** Make MLflow's record of a run directory complete: send what the ledger (or the run directory) says is missing. */
  async sync(runDir: string): Promise<{ sent: string[]; skipped: string[] }> {
    const facts = readRunFacts(runDir);
    const experiment = this.experimentFor(facts.name);
    const file = ledgerPath(this.settings.connection.baseUrl, experiment);
    const ledger = readLedger(runDir, file) ?? ledgerFromRunDir(runDir, { uri: secrets.redact(this.settings.connection.baseUrl), experiment }, facts, true);
    if (ledger.status === undefined && facts.status && facts.status !== 'RUNNING') {
      ledger.status = facts.status;
      ledger.endTime = facts.endTime;
    }
    if (!ledger.finalQueued && ledger.status !== undefined) {
      ledger.metrics.pending.push(...finalMetricPoints(runDir, ledger.endTime ?? Date.now()));
      ledger.finalQueued = true;
    }
    // A crash between a send and its record would leave acknowledged points marked pending: check them all.
    ledger.metrics.uncertain.push(...ledger.metrics.pending.splice(0));
    const client = new MlflowClient(this.settings.connection, patientPolicy(this.settings.options));
    const save = () => writeLedger(runDir, file, ledger);
    const reconciler = new Reconciler(client, ledger, this.settings.options, runDir, save);
    try {
      await reconciler.run(true);
    } catch (error) {
      ledger.lastError = errorText(error);
      save();
      throw new PrdError(`could not sync run ${facts.runId} to MLflow at ${this.settings.connection.baseUrl}: ${ledger.lastError}; check the server and run prd sync again (nothing is sent twice)`, [], { cause: error });
    }
    delete ledger.lastError;
    save();
    this.lastStats = client.http.stats;
    const report: SyncReport = reconciler.report;
    if (ledger.status === undefined) report.skipped.push('status: manifest.json says the run is still RUNNING');
    return { sent: report.sent, skipped: report.skipped };
  }

  /** Download the model named by `runs:/<id>/<path>`, `models:/<name>@<alias>` or `models:/<name>/<version>`. */
  async downloadModel(uri: string, destDir: string): Promise<boolean> {
    const parsed = parseModelUri(uri);
    if (!parsed) return false;
    const client = new MlflowClient(this.settings.connection, patientPolicy(this.settings.options));
    const where = `MLflow at ${this.settings.connection.baseUrl}`;
    try {
      let runId: string;
      let path: string;
      if (parsed.kind === 'run') {
        ({ runId, path } = parsed);
      } else {
        const version = parsed.kind === 'alias' ? await client.modelVersionByAlias(parsed.name, parsed.alias) : await client.modelVersion(parsed.name, parsed.version);
        const source = await client.modelVersionDownloadUri(version.name, version.version);
        const located = await locateSource(client, source, version.run_id);
        if (!located) throw new PrdError(`${uri} points at ${source}, which prd cannot download (only run artifacts served by the tracking server)`);
        ({ runId, path } = located);
      }
      const run = await client.getRun(runId);
      if (!run) throw new PrdError(`${where} has no run "${runId}"; copy the run id from the MLflow UI (prd's own run ids are tagged prd.run_id)`);
      const root = proxyRoot(run.info.artifact_uri);
      if (root === undefined) throw new PrdError(`run ${runId} keeps its artifacts at ${run.info.artifact_uri}, which the tracking server does not proxy; start the server with --serve-artifacts`);
      const files = await downloadRunDir(client, runId, root, path, destDir);
      if (files.length === 0) throw new PrdError(`run ${runId} has no artifacts under "${path}"; was the model logged?`);
      return true;
    } catch (error) {
      // A missing alias comes back as INVALID_PARAMETER_VALUE ("Registered model alias x not found").
      if (error instanceof MlflowError && (error.errorCode === 'RESOURCE_DOES_NOT_EXIST' || (error.errorCode === 'INVALID_PARAMETER_VALUE' && /not found/i.test(error.message)))) {
        throw new PrdError(`${where} does not know ${uri}: ${error.message}`, [], { cause: error });
      }
      if (error instanceof MlflowError) throw new PrdError(`could not download ${uri} from ${where}: ${error.message}`, [], { cause: error });
      throw error;
    }
  }

  private save(): void {
    if (this.live) writeLedger(this.live.runDir, this.live.file, this.live.ledger);
  }

  /** Start the pump unless it runs; if it runs, make it go round once more. */
  private kick(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        if (Date.now() < this.offlineUntil) return;
        await this.step(false);
      } while (this.again);
    })().finally(() => (this.pumping = undefined));
  }

  /** One pass of the reconciler; a failure takes the server offline for a while instead of throwing. */
  private async step(final: boolean): Promise<void> {
    const live = this.live;
    if (!live) return;
    try {
      await live.reconciler.run(final);
      this.warned = false;
    } catch (error) {
      this.offlineUntil = Date.now() + OFFLINE_MS;
      live.ledger.lastError = errorText(error);
      this.save();
      if (!this.warned && !live.client.http.aborted) {
        this.warned = true;
        this.settings.events.log(`MLflow: ${live.ledger.lastError}; training goes on, and what is not sent stays in the run directory for prd sync`, 'warn');
      }
    }
  }

  private report(live: NonNullable<MlflowTracker['live']>): void {
    const { ledger } = live;
    const { events, connection } = this.settings;
    if (isComplete(ledger) && ledger.mlflow) {
      events.log(`MLflow: run ${ledger.mlflow.runId} complete at ${connection.baseUrl}/#/experiments/${ledger.mlflow.experimentId}/runs/${ledger.mlflow.runId}`);
      return;
    }
    const pending = ledger.metrics.pending.length + ledger.metrics.uncertain.length;
    const what = [
      ledger.mlflow ? undefined : 'the run itself',
      pending ? `${pending} metric points` : undefined,
      ledger.artifacts.done ? undefined : 'artifacts',
      ledger.statusSent ? undefined : 'the status',
    ]
      .filter(Boolean)
      .join(', ');
    events.log(`MLflow: not sent: ${what} (${ledger.lastError ?? 'server unavailable'}); send it later with: prd sync ${ledger.prdRunId}`, 'warn');
  }
}

/** Find the run and path of a model version's files from its download URI. */
async function locateSource(client: MlflowClient, source: string, runId: string | undefined): Promise<{ runId: string; path: string } | undefined> {
  const run = parseModelUri(source);
  if (run?.kind === 'run') return { runId: run.runId, path: run.path };
  if (!runId) return undefined;
  const info = await client.getRun(runId);
  const root = info?.info.artifact_uri.replace(/\/+$/, '');
  if (root && source.startsWith(`${root}/`)) return { runId, path: source.slice(root.length + 1) };
  return undefined;
}

function errorText(error: unknown): string {
  return secrets.redact(error instanceof Error ? error.message : String(error));
}
