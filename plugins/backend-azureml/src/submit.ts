import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ArmClient, AzureAuth, downloadPrefix, registerModel, openDatastore, parseDatastoreUri, readFrom, resolveWorkspace, studioJobUrl, type Workspace } from '@prd/azure';
import { PrdError, secrets, type MetricTree, type RemoteRunRequest, type RemoteRunResult, type RunEvent, type RunEvents, type RunStatus } from '@prd/core';
import { codeName, ensureCode, ensureEnvironment, environmentName } from './assets.js';
import { dataPrefix, ensureData, localData } from './local-data.js';
import { assetId, commandJobBody, environmentRef } from './job-body.js';
import type { AzureMlOptions } from './options.js';
import { environmentContext, type EnvironmentContext } from './environment.js';
import { nodeRecipe, snapshot } from './snapshot.js';

const TERMINAL = ['Completed', 'Failed', 'Canceled'];
const LOG_TAIL = 25;

/** How the backend reaches Azure; tests pass their own credential through the same AzureAuth. */
export interface AzureMlDeps {
  auth?: AzureAuth;
  env?: NodeJS.ProcessEnv;
}

/** A fresh job name: AzureML job names are unique in a workspace. */
export function jobName(recipe: string): string {
  const stem = recipe.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').slice(0, 40);
  return `prd-${stem}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * Build the job body and everything it names, without contacting anything. `environment` is prd's own environment
 * (from its build context's digest); the options' `environment`, when set, takes its place.
 */
export function planJob(request: RemoteRunRequest, options: AzureMlOptions, ws: Workspace, environment?: { name: string; version: string }) {
  const recipeName = String(request.recipe.name ?? 'prd');
  const data = localData(request.recipe, request.baseDir);
  const recipe = data ? withPaths(request.recipe, data.paths) : request.recipe;
  const snap = snapshot(recipe, options);
  const code = codeName(snap);
  if (!options.environment && !environment) throw new Error('planJob needs prd\'s environment when compute.with.environment is not set');
  const environmentId = options.environment ? environmentRef(ws, options.environment) : assetId(ws, 'environments', environment!.name, environment!.version);
  const inputs = data ? { data: { type: 'uri_folder' as const, uri: `azureml://datastores/workspaceblobstore/paths/${dataPrefix(data)}/` } } : undefined;
  const body = commandJobBody(ws, options, { recipeName, codeId: assetId(ws, 'codes', code.name, code.version), environmentId, inputs });
  return { recipeName, snap, body, data };
}

/** The build context of prd's environment for this run (packed here), unless the options name an environment. */
export async function prepareEnvironment(request: RemoteRunRequest, options: AzureMlOptions): Promise<EnvironmentContext | undefined> {
  if (options.environment) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'prd-azureml-env-'));
  try {
    return await environmentContext(request.packagesFor(nodeRecipe(request.recipe, options)), options.baseImage, dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The recipe with its csv source reading `paths` (the uploaded data as the node sees it). */
function withPaths(recipe: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const copy = structuredClone(recipe) as { data: { source: { with: Record<string, unknown> } } };
  copy.data.source.with = { ...copy.data.source.with, paths };
  return copy as unknown as Record<string, unknown>;
}

/** Send a run to an AzureML cluster, stream it, and bring its run directory home. */
export async function submitRun(request: RemoteRunRequest, options: AzureMlOptions, pointer: string, deps: AzureMlDeps = {}): Promise<RemoteRunResult> {
  const ws = resolveWorkspace(options, { pointer, baseDir: request.baseDir, env: deps.env });
  const context = await prepareEnvironment(request, options);
  try {
    const plan = planJob(request, options, ws, context && environmentName(context.hash));
    if (request.dryRun) return { dryRun: true, request: plan.body };
    return await submitPlanned(request, options, ws, plan, context, deps);
  } finally {
    if (context) rmSync(context.dir, { recursive: true, force: true });
  }
}

/** Open the workspace and put there what a plan's job needs (data, code, environment), uploading only what changed. */
export async function prepareAssets(plan: ReturnType<typeof planJob>, context: EnvironmentContext | undefined, ws: Workspace, deps: AzureMlDeps, events: RunEvents) {
  const auth = deps.auth ?? new AzureAuth();
  const arm = new ArmClient(ws, auth);
  await arm.call('GET', '', { what: `open workspace "${ws.workspace}"` });
  const blobstore = await openDatastore(arm, auth, 'workspaceblobstore');
  if (plan.data) await ensureData(arm, blobstore, plan.data, events);
  await ensureCode(arm, blobstore, plan.snap, events);
  if (context) await ensureEnvironment(arm, blobstore, context, events);
  return { arm, auth, blobstore };
}

/** Upload what the plan names, submit the job, follow it to its end and bring its run directory home. */
async function submitPlanned(request: RemoteRunRequest, options: AzureMlOptions, ws: Workspace, plan: ReturnType<typeof planJob>, context: EnvironmentContext | undefined, deps: AzureMlDeps): Promise<RemoteRunResult> {
  const { events, signal } = request;
  const started = Date.now();
  const { arm, auth, blobstore } = await prepareAssets(plan, context, ws, deps, events);
  const name = jobName(plan.recipeName);
  await arm.call('PUT', `jobs/${name}`, { json: plan.body, what: `submit job ${name} to cluster "${options.cluster}"` });
  const studio = studioJobUrl(ws, name);
  events.log(`AzureML: job ${name} submitted to ${options.cluster}: ${studio}`);

  const artifacts = await openDatastore(arm, auth, 'workspaceartifactstore');
  const logName = `ExperimentRun/dcid.${name}/user_logs/std_log.txt`;
  let offset = 0;
  let partial = '';
  const tail: string[] = [];
  let result: { runId: string; metrics: MetricTree } | undefined;
  let remoteRunDir: string | undefined;
  const readLogs = async () => {
    const bytes = await readFrom(artifacts.container, logName, offset);
    offset += bytes.length;
    const lines = (partial + bytes.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const parsed = parseWorkerLine(line);
      if (parsed?.type === 'event') {
        const event = parsed.event as RunEvent;
        if (event.type === 'run:start') remoteRunDir = event.runDir;
        if (event.type !== 'run:start' && event.type !== 'run:end') events.emit(event);
      } else if (parsed?.type === 'result') {
        result = parsed.result as { runId: string; metrics: MetricTree };
      } else if (parsed?.type === 'error') {
        tail.push(`error: ${parsed.message}`);
      } else if (line.trim()) {
        tail.push(line);
      }
      if (tail.length > LOG_TAIL) tail.shift();
    }
  };

  let status = 'NotStarted';
  let lastStatus = '';
  let cancelSent = false;
  const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  for (;;) {
    if (signal.aborted && !cancelSent) {
      cancelSent = true;
      events.log(`AzureML: cancelling job ${name}…`, 'warn');
      await arm.call('POST', `jobs/${name}/cancel`, { what: `cancel job ${name}` });
    }
    const job = await arm.call<{ properties: { status: string; outputs?: Record<string, { uri?: string }> } }>('GET', `jobs/${name}`, { what: `read job ${name}` });
    status = job.properties.status;
    if (status !== lastStatus) {
      events.log(`AzureML: job ${name} is ${status}`);
      lastStatus = status;
    }
    await readLogs();
    if (TERMINAL.includes(status)) {
      if (partial) await readLogs();
      return finish(job.properties.outputs?.run?.uri);
    }
    await wait(options.pollSeconds * 1000);
  }

  async function finish(outputUri: string | undefined): Promise<RemoteRunResult> {
    const runStatus: RunStatus = status === 'Completed' ? 'FINISHED' : status === 'Canceled' ? 'KILLED' : 'FAILED';
    const runsDir = resolve(request.runsDir);
    const runId = result?.runId ?? remoteRunDir?.split('/').pop();
    let runDir = runId ? join(runsDir, runId) : runsDir;
    const where = outputUri ? parseDatastoreUri(outputUri) : undefined;
    if (where && runId) {
      const store = where.datastore === blobstore.name ? blobstore : await openDatastore(arm, auth, where.datastore);
      await downloadPrefix(store.container, `${where.path.replace(/\/+$/, '')}/${runId}`, runDir);
      writeFileSync(join(runDir, 'azureml.json'), `${JSON.stringify({ jobName: name, studioUrl: studio, status, workspace: ws.workspace, cluster: options.cluster }, null, 2)}\n`);
      events.log(`AzureML: run directory downloaded to ${runDir}`);
    } else {
      runDir = runsDir;
    }
    if (runStatus === 'FINISHED' && options.registerModel && outputUri && runId) {
      // The model stays where the job wrote it: the version points at the job's output, nothing is uploaded.
      const version = await registerModel(arm, auth, options.registerModel, { modelUri: `${outputUri.replace(/\/+$/, '')}/${runId}/model/`, jobName: name }, { 'prd.run_id': runId });
      events.log(`AzureML: registered model ${options.registerModel}:${version} (prd predict --model azureml:${options.registerModel}:${version})`);
    }
    if (runStatus === 'FAILED') {
      throw new PrdError(`AzureML job ${name} failed (${studio}); its last log lines:\n${secrets.redact(tail.join('\n'))}`, [], { exitCode: 1 });
    }
    if (runStatus === 'KILLED') {
      markKilled(runDir);
      throw new PrdError(`the run was interrupted (Ctrl-C); AzureML job ${name} was cancelled`, [], { exitCode: 130 });
    }
    return { dryRun: false, runId: runId ?? name, runDir, status: runStatus, metrics: result?.metrics ?? {}, durationMs: Date.now() - started };
  }
}

/** A cancelled run's manifest says KILLED, whatever the node managed to write. */
function markKilled(runDir: string): void {
  const file = join(runDir, 'manifest.json');
  if (!existsSync(file)) return;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  manifest.status = 'KILLED';
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

function parseWorkerLine(line: string): { type: 'event'; event: unknown } | { type: 'result'; result: unknown } | { type: 'error'; message: string } | undefined {
  if (!line.startsWith('{"type":')) return undefined;
  try {
    return JSON.parse(line) as ReturnType<typeof parseWorkerLine>;
  } catch {
    return undefined;
  }
}
