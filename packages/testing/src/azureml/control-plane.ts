import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { azurite, splitBlobUrl, type AzuriteInfo } from './azurite.js';
import { BodyChecker } from './checker.js';
import { execute, filesUnder, type Execution } from './executor.js';
import { writeFakeAz } from './fake-az.js';
import { IdentityEndpoints, type IdentityKind } from './identity.js';
import { imageFor, imagePath, type BuiltImage } from './image-builder.js';
import { closeJobRun, openJobRun } from './job-run.js';
import { metricHistory, runSweep, type SweepHost } from './sweep-jobs.js';
import { TokenRegistry } from './tokens.js';

/** A fault the server answers instead of handling a matching request, `times` times. */
export interface Fault {
  method?: string;
  path: RegExp;
  status: number;
  retryAfter?: number;
  times: number;
}

/** One request the control plane saw (ARM and MLflow), authorization shown as `Bearer <n-th token>`. */
export interface PlaneRequest {
  method: string;
  path: string;
  apiVersion?: string;
  status: number;
  body?: unknown;
  /** Whose token authorised it: `user` (the fake az) or `run:<job>` (a job's AZUREML_RUN_TOKEN). */
  caller?: string;
}

/** A job as the control plane keeps it. */
export interface PlaneJob {
  name: string;
  body: { properties: Record<string, unknown> };
  status: string;
  statusHistory: string[];
  cancelRequested: boolean;
  execution?: Execution;
  exitCode?: number;
  /** The job's MLflow run on the real server ($MLFLOW_RUN_ID of the job). */
  mlflowRunId?: string;
}

/** Options of the test control plane. */
export interface ControlPlaneOptions {
  subscriptionId?: string;
  resourceGroup?: string;
  workspace?: string;
  /** The real MLflow server the workspace's MLflow endpoint forwards to (default $MLFLOW_TEST_URI). */
  mlflowUri?: string;
  /** Folders put first on the PATH of a job (the "environment image": where `prd` is installed). */
  jobPath?: string[];
  /** Extra environment variables of every job. */
  jobEnv?: Record<string, string>;
  /** Lifetime of the tokens the fake `az` hands out, seconds. */
  tokenLifetimeSec?: number;
  /**
   * Where environment images built from a build context are kept by digest (default $PRD_TEST_IMAGE_CACHE, which the
   * tests' global setup makes once per run, else a folder of this plane).
   */
  imageCache?: string;
}

/** A running AzureML control plane for tests. */
export interface ControlPlane {
  url: string;
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  requests: PlaneRequest[];
  /** Every problem the official models found in a request body (tests expect it empty). */
  bodyErrors: string[];
  faults: Fault[];
  /** Answer every ARM call with 403 AuthorizationFailed. */
  forbidden: boolean;
  jobs: Map<string, PlaneJob>;
  /** Assets: `codes/<name>/<version>` etc. -> stored body. */
  assets: Map<string, Record<string, unknown>>;
  /** Tokens issued so far. */
  tokensIssued: number;
  /** Environment images the jobs ran in (built from a build context), by job name. */
  images: Map<string, BuiltImage>;
  /** Make every user token issued so far expired (the next request with one gets 401 ExpiredAuthenticationToken). */
  expireTokens(): void;
  /** Environment for a `prd` process that should use this workspace (fake `az` on PATH, endpoints, coordinates). */
  env(): Record<string, string>;
  /**
   * Environment for a process that signs in with a managed identity instead (no `az`): the endpoint variables of
   * AzureML compute or App Service, the endpoints and coordinates. `identity.requests` records what it asked for.
   */
  identityEnv(kind: IdentityKind): Record<string, string>;
  identity: IdentityEndpoints;
  azurite: AzuriteInfo;
  close(): Promise<void>;
}

const BLOB_CONTAINER = 'azureml-blobstore-test';
const ARTIFACT_CONTAINER = 'azureml';
const TERMINAL = ['Completed', 'Failed', 'Canceled'];
const ASSET_MODELS: Record<string, string> = { codes: 'CodeVersion', environments: 'EnvironmentVersion', data: 'DataVersionBase', models: 'ModelVersion' };

function armError(status: number, code: string, message: string) {
  return { status, body: { error: { code, message } } };
}

/**
 * A local AzureML workspace for tests: ARM routes of datastores, code/environment/data/model versions and command
 * jobs, the workspace's MLflow endpoint (forwarded to a real MLflow server after the bearer token and path prefix
 * are checked), faults on demand (429 with Retry-After, 5xx, 403), every body checked against azure-ai-ml's REST
 * models, and submitted command jobs executed for real against Azurite.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const sub = options.subscriptionId ?? '00000000-0000-4000-8000-000000000001';
  const rg = options.resourceGroup ?? 'rg-prd-test';
  const ws = options.workspace ?? 'ws-prd-test';
  const wsPath = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.MachineLearningServices/workspaces/${ws}`;
  const store = azurite();
  for (const c of [BLOB_CONTAINER, ARTIFACT_CONTAINER]) await store.service.getContainerClient(c).createIfNotExists();
  const checker = new BodyChecker();
  const root = mkdtempSync(join(tmpdir(), 'prd-azureml-plane-'));
  const tokens = new TokenRegistry(options.tokenLifetimeSec ?? 3600);
  /** A new user token the workspace accepts (the fake az and the managed identity endpoints hand them out). */
  const issue = () => tokens.issue();
  const azDir = join(root, 'az-bin');
  const mlflow = options.mlflowUri ?? process.env.MLFLOW_TEST_URI;
  const identity = new IdentityEndpoints(randomBytes(16).toString('hex'));
  const imageCache = options.imageCache ?? process.env.PRD_TEST_IMAGE_CACHE ?? join(root, 'images');

  const plane: ControlPlane = {
    url: '',
    subscriptionId: sub,
    resourceGroup: rg,
    workspace: ws,
    requests: [],
    bodyErrors: [],
    faults: [],
    forbidden: false,
    jobs: new Map(),
    assets: new Map(),
    get tokensIssued() {
      return tokens.issued;
    },
    images: new Map(),
    expireTokens: () => tokens.expireUserTokens(),
    env: () => ({
      PATH: `${azDir}${delimiter}${process.env.PATH ?? ''}`,
      AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential',
      AZURE_RESOURCE_MANAGER_ENDPOINT: plane.url,
      AZURE_STORAGE_BLOB_ENDPOINT: store.blobUrl,
      AZURE_SUBSCRIPTION_ID: sub,
      AZURE_RESOURCE_GROUP: rg,
      AZUREML_WORKSPACE_NAME: ws,
    }),
    identityEnv: (kind) => {
      const { PATH: _path, AZURE_TOKEN_CREDENTIALS: _only, ...endpoints } = plane.env();
      return { ...endpoints, ...identity.env(kind, plane.url) };
    },
    identity,
    azurite: store,
    close: async () => {
      for (const job of plane.jobs.values()) job.execution?.cancel();
      checker.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const datastore = (name: string) => {
    const container = name === 'workspaceblobstore' ? BLOB_CONTAINER : name === 'workspaceartifactstore' ? ARTIFACT_CONTAINER : undefined;
    return container;
  };

  /** Resolve an input URI (datastore path, https blob URL or data asset) to a container and prefix. */
  const locate = (uri: string): { container: string; path: string } => {
    const ds = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/.exec(uri);
    if (ds) return { container: datastore(ds[1])!, path: ds[2] };
    if (uri.startsWith(store.blobUrl)) {
      const { container, name } = splitBlobUrl(store, uri);
      return { container, path: name };
    }
    const asset = /\/data\/([^/]+)\/versions\/([^/]+)$/.exec(uri) ?? /^azureml:([^:]+):(.+)$/.exec(uri);
    if (asset) {
      const data = plane.assets.get(`data/${asset[1]}/${asset[2]}`) as { properties: { dataUri: string } } | undefined;
      if (!data) throw new Error(`no data asset ${asset[1]}:${asset[2]}`);
      return locate(data.properties.dataUri);
    }
    throw new Error(`cannot resolve input ${uri}`);
  };

  const download = async (container: string, prefix: string, dest: string, file: boolean): Promise<string> => {
    const client = store.service.getContainerClient(container);
    if (file) {
      mkdirSync(dest, { recursive: true });
      const target = join(dest, prefix.split('/').pop()!);
      await client.getBlobClient(prefix).downloadToFile(target);
      return target;
    }
    const base = prefix.replace(/\/+$/, '') + '/';
    mkdirSync(dest, { recursive: true });
    for await (const item of client.listBlobsFlat({ prefix: base })) {
      const target = join(dest, item.name.slice(base.length));
      mkdirSync(join(target, '..'), { recursive: true });
      await client.getBlobClient(item.name).downloadToFile(target);
    }
    return dest;
  };

  const setStatus = (job: PlaneJob, status: string) => {
    if (TERMINAL.includes(job.status)) return;
    job.status = status;
    job.statusHistory.push(status);
  };

  const runJob = async (job: PlaneJob) => {
    const p = job.body.properties as {
      command: string;
      codeId?: string;
      inputs?: Record<string, { jobInputType: string; uri?: string; value?: string }>;
      outputs?: Record<string, { jobOutputType: string; uri?: string }>;
      environmentVariables?: Record<string, string>;
      experimentName?: string;
    };
    const image = await environmentImage(job, (job.body.properties as { environmentId?: string }).environmentId);
    if (image === undefined) return;
    if (job.cancelRequested) return setStatus(job, 'Canceled');
    setStatus(job, 'Queued');
    const code = p.codeId ? (plane.assets.get(`codes/${/codes\/([^/]+)\/versions\/([^/]+)$/.exec(p.codeId)?.slice(1).join('/')}`) as { properties: { codeUri: string } } | undefined) : undefined;
    const inputs: Parameters<typeof execute>[0]['inputs'] = {};
    for (const [name, input] of Object.entries(p.inputs ?? {})) {
      if (input.jobInputType === 'literal') inputs[name] = { kind: 'literal', value: input.value };
      else {
        const where = locate(input.uri!);
        inputs[name] = { kind: input.jobInputType as 'uri_folder', fetch: (dest) => download(where.container, where.path, dest, input.jobInputType === 'uri_file') };
      }
    }
    const outputs = Object.keys(p.outputs ?? {});
    const experimentName = p.experimentName ?? 'Default';
    // As AzureML does: every job has an MLflow run, and a run token valid for the workspace's MLflow endpoint.
    const run = mlflow ? await openJobRun(mlflow, experimentName, job.name) : undefined;
    job.mlflowRunId = run?.run_id;
    const runToken = tokens.issue(job.name);
    const trackingUri = `azureml://${new URL(plane.url).host}/mlflow/v1.0${wsPath}`;
    job.execution = await execute(
      {
        jobName: job.name,
        command: p.command,
        root: join(root, job.name),
        fetchCode: async (dir) => {
          if (!code) return;
          const where = splitBlobUrl(store, code.properties.codeUri);
          await download(where.container, where.name, dir, false);
        },
        inputs,
        outputs,
        env: {
          ...(process.env as Record<string, string>),
          ...p.environmentVariables,
          ...options.jobEnv,
          // In prd's environment image, prd is the one its Dockerfile installed; otherwise the test's jobPath.
          PATH: image && image !== 'none' ? imagePath(image) : [...(options.jobPath ?? []), process.env.PATH ?? ''].join(delimiter),
          AZUREML_RUN_ID: job.name,
          AZUREML_RUN_TOKEN: runToken.token,
          AZUREML_RUN_TOKEN_EXPIRY: String(runToken.expiresOn),
          ...(run ? { MLFLOW_RUN_ID: run.run_id, MLFLOW_EXPERIMENT_ID: run.experiment_id } : {}),
          MLFLOW_EXPERIMENT_NAME: experimentName,
          MLFLOW_TRACKING_URI: trackingUri,
          // Only the base URL differs from a real workspace: the plane serves plain HTTP on loopback.
          AZURE_RESOURCE_MANAGER_ENDPOINT: plane.url,
          AZUREML_ARM_SUBSCRIPTION: sub,
          AZUREML_ARM_RESOURCEGROUP: rg,
          AZUREML_ARM_WORKSPACE_NAME: ws,
        },
        log: store.service.getContainerClient(ARTIFACT_CONTAINER),
        logName: `ExperimentRun/dcid.${job.name}/user_logs/std_log.txt`,
        uploadOutput: async (name, dir) => {
          const prefix = `azureml/${job.name}/${name}`;
          const client = store.service.getContainerClient(BLOB_CONTAINER);
          for (const file of filesUnder(dir)) await client.getBlockBlobClient(`${prefix}/${file}`).uploadFile(join(dir, file));
          p.outputs![name].uri = `azureml://datastores/workspaceblobstore/paths/${prefix}/`;
        },
      },
      () => setStatus(job, job.cancelRequested ? 'CancelRequested' : 'Running'),
    );
    if (job.cancelRequested) job.execution.cancel();
    job.exitCode = await job.execution.done;
    setStatus(job, job.cancelRequested ? 'Canceled' : job.exitCode === 0 ? 'Completed' : 'Failed');
    if (run && mlflow) await closeJobRun(mlflow, run.run_id, job.status);
  };

  const cancelJob = (job: PlaneJob) => {
    job.cancelRequested = true;
    if (!TERMINAL.includes(job.status)) setStatus(job, 'CancelRequested');
    job.execution?.cancel();
  };

  // Sweep jobs run their trials as child command jobs (sweep-jobs.ts); the primary metric is read from MLflow.
  const sweepHost: SweepHost = {
    submit: (name, body) => createJob(name, body),
    cancel: cancelJob,
    setStatus,
    history: async (job, metric) => (job.mlflowRunId ? metricHistory(mlflow, job.mlflowRunId, metric) : new Map()),
    pollMs: 200,
  };

  /** Keep a submitted job and start it (a command job executes, a sweep job runs its trials). */
  const createJob = (name: string, body: PlaneJob['body']): PlaneJob => {
    const created: PlaneJob = { name, body, status: 'NotStarted', statusHistory: ['NotStarted'], cancelRequested: false };
    plane.jobs.set(name, created);
    setTimeout(() => {
      (body.properties.jobType === 'Sweep' ? runSweep(created, sweepHost) : runJob(created)).catch((error: unknown) => {
        setStatus(created, 'Failed');
        process.stderr.write(`control plane: job ${name}: ${String(error)}\n`);
      });
    }, 50);
    return created;
  };

  /**
   * The image of a job's environment, built (AzureML: "Preparing") when the environment has a build context; 'none'
   * for an environment given as an image or not known here (the job runs with the test's jobPath); undefined when
   * the build failed (the job is Failed, the build's error in its log).
   */
  const environmentImage = async (job: PlaneJob, environmentId: string | undefined): Promise<BuiltImage | 'none' | undefined> => {
    const m = /\/environments\/([^/]+)\/versions\/([^/]+)$/.exec(environmentId ?? '');
    const env = m ? (plane.assets.get(`environments/${m[1]}/${m[2]}`) as { properties: { build?: { contextUri: string } } } | undefined) : undefined;
    if (!env?.properties.build) return 'none';
    setStatus(job, 'Preparing');
    try {
      const where = splitBlobUrl(store, env.properties.build.contextUri);
      const context = await download(where.container, where.name, join(root, job.name, 'context'), false);
      const image = await imageFor(context, imageCache);
      plane.images.set(job.name, image);
      return image;
    } catch (error) {
      const log = store.service.getContainerClient(ARTIFACT_CONTAINER).getAppendBlobClient(`ExperimentRun/dcid.${job.name}/user_logs/std_log.txt`);
      const text = Buffer.from(`${error instanceof Error ? error.message : String(error)}\n`);
      await log.createIfNotExists();
      await log.appendBlock(text, text.length);
      setStatus(job, 'Failed');
      return undefined;
    }
  };

  const jobBody = (job: PlaneJob) => ({
    id: `${wsPath}/jobs/${job.name}`,
    name: job.name,
    type: 'Microsoft.MachineLearningServices/workspaces/jobs',
    properties: { ...job.body.properties, status: job.status, services: { Studio: { endpoint: `https://ml.azure.com/runs/${job.name}`, jobServiceType: 'Studio' } } },
  });

  const handleArm = async (method: string, rest: string, body: unknown, url: URL): Promise<{ status: number; body?: unknown; headers?: Record<string, string> }> => {
    if (plane.forbidden) {
      return armError(403, 'AuthorizationFailed', `The client 'test-user' with object id '1111' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/read' over scope '${wsPath}' or the scope is invalid.`);
    }
    if (url.searchParams.get('api-version') === null) return armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    if (rest === '' && method === 'GET') {
      return { status: 200, body: { id: wsPath, name: ws, location: 'uksouth', properties: { mlFlowTrackingUri: `azureml://${new URL(plane.url).host}/mlflow/v1.0${wsPath}`, workspaceId: randomUUID() } } };
    }
    let m = /^\/datastores\/([^/]+)(\/listSecrets)?$/.exec(rest);
    if (m) {
      const container = datastore(m[1]);
      if (!container) return armError(404, 'UserError', `DataStore ${m[1]} was not found.`);
      if (m[2] && method === 'POST') return { status: 200, body: { secretsType: 'AccountKey', key: store.key } };
      return { status: 200, body: { id: `${wsPath}/datastores/${m[1]}`, name: m[1], properties: { datastoreType: 'AzureBlob', accountName: store.account, containerName: container, endpoint: 'core.windows.net', protocol: 'https', credentials: { credentialsType: 'AccountKey' }, isDefault: m[1] === 'workspaceblobstore' } } };
    }
    m = /^\/(codes|environments|data|models)\/([^/]+)\/versions(?:\/([^/]+))?$/.exec(rest);
    if (m) {
      const [, kind, name, version] = m;
      const key = `${kind}/${name}/${version}`;
      if (!version && method === 'GET') {
        const value = [...plane.assets.entries()].filter(([k]) => k.startsWith(`${kind}/${name}/`)).map(([, v]) => v);
        return { status: 200, body: { value } };
      }
      if (method === 'GET') {
        const found = plane.assets.get(key);
        return found ? { status: 200, body: found } : armError(404, 'UserError', `${kind} ${name}:${version} not found`);
      }
      if (method === 'PUT') {
        const errors = await checker.check(ASSET_MODELS[kind], body);
        if (errors.length) {
          plane.bodyErrors.push(...errors.map((e) => `PUT ${kind}: ${e}`));
          return armError(400, 'UserError', `invalid body: ${errors.join('; ')}`);
        }
        if (plane.assets.has(key)) return armError(409, 'UserError', `Conflict: ${kind} ${name} version ${version} already exists; asset versions cannot be changed.`);
        const stored = { id: `${wsPath}/${key.replace(/\/([^/]+)$/, '/versions/$1')}`, name: version, properties: { ...(body as { properties: object }).properties, provisioningState: 'Succeeded' } };
        plane.assets.set(key, stored);
        return { status: 201, body: stored };
      }
    }
    m = /^\/jobs(?:\/([^/]+)(\/cancel)?)?$/.exec(rest);
    if (m) {
      const [, name, cancel] = m;
      if (!name && method === 'GET') {
        const parent = url.searchParams.get('parentJobName');
        const listed = [...plane.jobs.values()].filter((j) => !parent || (j.body.properties.tags as Record<string, string> | undefined)?.['azureml.parentJobName'] === parent);
        return { status: 200, body: { value: listed.map(jobBody) } };
      }
      const job = name ? plane.jobs.get(name) : undefined;
      if (cancel && method === 'POST') {
        if (!job) return armError(404, 'UserError', `job ${name} not found`);
        cancelJob(job);
        return { status: 202, headers: { location: `${plane.url}${wsPath}/jobs/${name}?api-version=${url.searchParams.get('api-version')}` } };
      }
      if (method === 'GET') return job ? { status: 200, body: jobBody(job) } : armError(404, 'UserError', `job ${name} not found`);
      if (method === 'PUT' && name) {
        const errors = await checker.check('JobBase', body);
        if (errors.length) {
          plane.bodyErrors.push(...errors.map((e) => `PUT jobs: ${e}`));
          return armError(400, 'UserError', `invalid body: ${errors.join('; ')}`);
        }
        if (job) return armError(409, 'UserError', `job ${name} already exists`);
        return { status: 201, body: jobBody(createJob(name, structuredClone(body) as PlaneJob['body'])) };
      }
    }
    return armError(404, 'NoRegisteredProviderFound', `no route ${method} ${rest}`);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', plane.url);
        const method = req.method ?? 'GET';
        const raw = Buffer.concat(chunks);
        const record: PlaneRequest = { method, path: url.pathname, apiVersion: url.searchParams.get('api-version') ?? undefined, status: 0 };
        const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
          record.status = status;
          plane.requests.push(record);
          const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(text);
        };
        if (url.pathname === '/_test/token' && method === 'POST') {
          const { token, expiresOn } = issue();
          return send(200, { accessToken: token, expires_on: expiresOn, expiresOn: new Date(expiresOn * 1000).toISOString(), tokenType: 'Bearer', subscription: sub, tenant: 'test-tenant' });
        }
        const fromIdentity = identity.answer(method, url, req.headers, issue);
        if (fromIdentity) return send(fromIdentity.status, fromIdentity.body);
        const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const issued = tokens.lookup(auth);
        if (issued === undefined) return send(401, { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } });
        record.caller = issued.job ? `run:${issued.job}` : 'user';
        if (issued.expired) return send(401, { error: { code: 'ExpiredAuthenticationToken', message: 'The access token expiry UTC time is earlier than current UTC time.' } });
        const fault = plane.faults.find((f) => f.times > 0 && f.path.test(url.pathname) && (!f.method || f.method === method));
        if (fault) {
          fault.times--;
          return send(fault.status, { error: { code: fault.status === 429 ? 'TooManyRequests' : 'InternalServerError', message: 'injected fault' } }, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
        }
        const mlflowPrefix = `/mlflow/v1.0${wsPath}`;
        // A job's run token is good for the workspace's MLflow endpoint, not for Azure Resource Manager.
        if (issued.job && !url.pathname.startsWith('/mlflow/')) {
          return send(403, armError(403, 'AuthorizationFailed', `The run token of job '${issued.job}' is valid for the workspace's MLflow endpoint only, not for ${method} ${url.pathname}.`).body);
        }
        if (url.pathname.startsWith('/mlflow/')) {
          if (!url.pathname.startsWith(`${mlflowPrefix}/api/2.0/mlflow/`) || !mlflow) return send(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `no MLflow endpoint at ${url.pathname}` });
          // In AzureML a job's MLflow run id is the job's name: a GET by job name reads the job's run.
          const byName = plane.jobs.get(url.searchParams.get('run_id') ?? '')?.mlflowRunId;
          if (byName && method === 'GET') url.searchParams.set('run_id', byName);
          const target = `${mlflow}${url.pathname.slice(mlflowPrefix.length)}${url.search}`;
          const answer = await fetch(target, { method, body: raw.length ? raw : undefined, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' } });
          // AzureML keeps run artifacts in its own store: no mlflow-artifacts proxy, so artifact URIs are azureml://.
          const text = (await answer.text()).replace(/"mlflow-artifacts:\/[^"]*?\/([0-9a-f]{32})\/artifacts"/g, `"azureml://${ws}/ExperimentRun/dcid.$1/artifacts"`);
          return send(answer.status, text);
        }
        if (!url.pathname.startsWith(wsPath)) {
          const wrong = /workspaces\/([^/]+)/.exec(url.pathname)?.[1];
          return send(404, armError(404, 'ResourceNotFound', `The Resource 'Microsoft.MachineLearningServices/workspaces/${wrong}' under resource group '${rg}' was not found.`).body);
        }
        let body: unknown;
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          return send(400, { error: { code: 'BadRequest', message: 'the body is not JSON' } });
        }
        record.body = body;
        const answer = await handleArm(method, url.pathname.slice(wsPath.length), body, url);
        send(answer.status, answer.body, answer.headers);
      })().catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'InternalServerError', message: String(error) } }));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  plane.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  writeFakeAz(azDir, plane.url);
  return plane;
}
