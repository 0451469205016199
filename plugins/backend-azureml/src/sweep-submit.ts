import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import got from 'got';
import { downloadPrefix, mlflowBaseUrl, mlflowTrackingUri, openDatastore, parseDatastoreUri, resolveWorkspace, studioJobUrl, workspaceId, type ArmClient, type AzureAuth, type Workspace } from '@prd/azure';
import { PrdError, type RemoteSweepRequest, type RemoteSweepResult, type RemoteTrial } from '@prd/core';
import { azureSweepJob, searchSpaceName, type SweepSpec } from '@prd/sweep';
import { nodeCommand } from './job-body.js';
import type { AzureMlOptions } from './options.js';
import type { EnvironmentContext } from './environment.js';
import { environmentName } from './assets.js';
import { jobName, planJob, prepareAssets, prepareEnvironment, type AzureMlDeps } from './submit.js';

const TERMINAL = ['Completed', 'Failed', 'Canceled'];

interface JobView {
  name: string;
  properties: { status: string; properties?: Record<string, string>; outputs?: Record<string, { uri?: string }>; tags?: Record<string, string> };
}

/** The sweep job body of a request: the cluster run's code, environment, data and output, trials running `prd worker` with the drawn values. */
export function planSweep(request: RemoteSweepRequest, options: AzureMlOptions, ws: Workspace, environment?: { name: string; version: string }) {
  const plan = planJob(request, options, ws, environment);
  const job = plan.body.properties as { codeId: string; environmentId: string; inputs: Record<string, unknown>; outputs: Record<string, unknown>; experimentName: string };
  const { body, warnings } = azureSweepJob(
    request.sweep as unknown as SweepSpec,
    {
      experimentName: job.experimentName,
      displayName: `${plan.recipeName}-sweep`,
      computeId: `${workspaceId(ws)}/computes/${options.cluster}`,
      environmentId: job.environmentId,
      codeId: job.codeId,
      command: nodeCommand(plan.data !== undefined),
      inputs: Object.keys(job.inputs).length ? job.inputs : undefined,
      outputs: job.outputs,
      tags: { 'prd.recipe': plan.recipeName },
    },
    request.seed,
  );
  return { plan, body, warnings };
}

/** Values of a trial by recipe path, from its `hyperparameters` (search-space names). */
function trialParams(spec: SweepSpec, job: JobView): Record<string, unknown> {
  const drawn = JSON.parse(job.properties.properties?.hyperparameters ?? '{}') as Record<string, unknown>;
  return Object.fromEntries(Object.keys(spec.space).map((path) => [path, drawn[searchSpaceName(path)]]));
}

/**
 * Send a recipe's sweep to AzureML as one native sweep job: upload what the trials need (as a cluster run does),
 * submit, follow the sweep and its trials (status, params, latest objective from the workspace MLflow), cancel it on
 * Ctrl-C, and at the end download the best trial's run directory.
 */
export async function submitSweep(request: RemoteSweepRequest, options: AzureMlOptions, pointer: string, deps: AzureMlDeps = {}): Promise<RemoteSweepResult> {
  const ws = resolveWorkspace(options, { pointer, baseDir: request.baseDir, env: deps.env });
  const context = await prepareEnvironment(request, options);
  try {
    return await sweepWith(request, options, ws, context, deps);
  } finally {
    if (context) rmSync(context.dir, { recursive: true, force: true });
  }
}

/** The sweep with prd's environment context packed (or the options' own environment). */
async function sweepWith(request: RemoteSweepRequest, options: AzureMlOptions, ws: Workspace, context: EnvironmentContext | undefined, deps: AzureMlDeps): Promise<RemoteSweepResult> {
  const { plan, body, warnings } = planSweep(request, options, ws, context && environmentName(context.hash));
  for (const w of warnings) request.events.log(`AzureML: ${w.message}`, 'warn');
  if (request.dryRun) return { dryRun: true, request: body, warnings: warnings.map((w) => w.message) };
  const { events, signal } = request;
  const spec = request.sweep as unknown as SweepSpec;
  const started = Date.now();
  const { arm, auth, blobstore } = await prepareAssets(plan, context, ws, deps, events);
  const name = jobName(`${plan.recipeName}-sweep`);
  await arm.call('PUT', `jobs/${name}`, { json: body, what: `submit sweep job ${name} to cluster "${options.cluster}"` });
  const studioUrl = studioJobUrl(ws, name);
  events.log(`AzureML: sweep job ${name} submitted to ${options.cluster}: ${studioUrl}`);
  const objective = objectiveReader(arm, auth, ws, spec.objective.metric, deps.env);

  const seen = new Map<string, RemoteTrial>();
  let sweep: JobView;
  let cancelSent = false;
  let lastStatus = '';
  for (;;) {
    if (signal.aborted && !cancelSent) {
      cancelSent = true;
      events.log(`AzureML: cancelling sweep job ${name}…`, 'warn');
      await arm.call('POST', `jobs/${name}/cancel`, { what: `cancel sweep job ${name}` });
    }
    sweep = await arm.call<JobView>('GET', `jobs/${name}`, { what: `read sweep job ${name}` });
    if (sweep.properties.status !== lastStatus) events.log(`AzureML: sweep job ${name} is ${(lastStatus = sweep.properties.status)}`);
    const children = await arm.list<JobView>('jobs', `list the trials of ${name}`, { parentJobName: name });
    for (const child of children.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))) {
      const trial: RemoteTrial = { name: child.name, params: trialParams(spec, child), status: child.properties.status, objective: await objective(child.name) };
      const before = seen.get(child.name);
      if (!before || before.status !== trial.status || before.objective !== trial.objective) request.progress?.(trial);
      seen.set(child.name, trial);
    }
    if (TERMINAL.includes(sweep.properties.status)) break;
    await new Promise((r) => setTimeout(r, options.pollSeconds * 1000));
  }
  const trials = [...seen.values()];
  const bestName = sweep.properties.properties?.best_child_run_id;
  const bestTrial = bestName ? trials.find((t) => t.name === bestName) : undefined;
  let best: Extract<RemoteSweepResult, { dryRun: false }>['best'];
  if (bestTrial) {
    const score = Number(sweep.properties.properties?.score ?? bestTrial.objective);
    best = { trial: bestTrial.name, params: bestTrial.params, objective: score };
    const job = await arm.call<JobView>('GET', `jobs/${bestTrial.name}`, { what: `read trial ${bestTrial.name}` });
    const uri = job.properties.outputs?.run?.uri;
    const where = uri ? parseDatastoreUri(uri) : undefined;
    if (where) {
      const store = where.datastore === blobstore.name ? blobstore : await openDatastore(arm, auth, where.datastore);
      const files = await downloadPrefix(store.container, where.path, resolve(request.runsDir));
      const runId = files.find((f) => f.endsWith('/manifest.json'))?.split('/')[0];
      if (runId) best = { ...best, runId, runDir: join(resolve(request.runsDir), runId) };
      events.log(`AzureML: the best trial's run directory downloaded to ${best.runDir ?? request.runsDir}`);
    }
  }
  const status = sweep.properties.status;
  if (status === 'Canceled' && cancelSent) throw new PrdError(`the sweep was interrupted (Ctrl-C); AzureML sweep job ${name} was cancelled`, [], { exitCode: 130 });
  if (status === 'Failed') throw new PrdError(`AzureML sweep job ${name} failed (${studioUrl})`, [], { exitCode: 1 });
  return { dryRun: false, job: name, studioUrl, status, trials, best, durationMs: Date.now() - started };
}

/** Reads a trial's latest objective from the workspace MLflow endpoint (an AzureML job's MLflow run id is its name). */
function objectiveReader(arm: ArmClient, auth: AzureAuth, ws: Workspace, metric: string, env?: NodeJS.ProcessEnv) {
  let base: Promise<string> | undefined;
  return async (runId: string): Promise<number | undefined> => {
    base ??= mlflowTrackingUri(arm, ws).then((uri) => mlflowBaseUrl(uri, env));
    try {
      const answer = await got(`${await base}/api/2.0/mlflow/metrics/get-history`, {
        searchParams: { run_id: runId, metric_key: metric },
        headers: { authorization: `Bearer ${await auth.token()}` },
        retry: { limit: 0 },
      }).json<{ metrics?: Array<{ step?: number; value: number }> }>();
      return answer.metrics?.sort((a, b) => (a.step ?? 0) - (b.step ?? 0)).pop()?.value;
    } catch {
      return undefined; // no run or no value yet
    }
  };
}
