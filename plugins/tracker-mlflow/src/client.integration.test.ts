import { randomBytes } from 'node:crypto';
import { secrets } from '@prd/core';
import { startTestServer } from '@prd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowClient, proxyRoot } from './client.js';
import { MlflowError } from './http.js';
import type { Metric } from './limits.js';
import { mlflowTestEnv } from './test/env.js';
import { startFaultProxy, type FaultProxy } from './test/fault-proxy.js';

const env = mlflowTestEnv();
const quick = { retries: 3, baseDelayMs: 100, maxDelayMs: 3000, timeoutMs: 10_000 };
const unique = (name: string) => `${name}-${Date.now()}-${randomBytes(3).toString('hex')}`;

describe.skipIf(!env)('MlflowClient against a real MLflow server', () => {
  const client = new MlflowClient({ baseUrl: env?.uri ?? '', insecureTls: false }, quick);
  let proxy: FaultProxy;
  let proxied: MlflowClient;
  let experimentId: string;
  beforeAll(async () => {
    proxy = await startFaultProxy(env?.uri ?? '');
    proxied = new MlflowClient({ baseUrl: proxy.url, insecureTls: false }, quick);
    experimentId = await client.experimentId(unique('client'));
  });
  afterAll(async () => proxy?.close());

  it('reads the server version', async () => {
    expect(await client.version()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('gets or creates an experiment once, even when three clients race', async () => {
    const name = unique('race');
    const ids = await Promise.all([client.experimentId(name), client.experimentId(name), client.experimentId(name)]);
    expect(new Set(ids).size).toBe(1);
    expect(await client.experimentId(name)).toBe(ids[0]);
  });

  it('logs 2500 points, 150 params and 120 tags in batches within the limits, and reads the full history back', async () => {
    const run = await client.createRun(experimentId, 'batches', Date.now(), []);
    const metrics: Metric[] = Array.from({ length: 2500 }, (_, i) => ({ key: 'm', value: i / 7, timestamp: 1_700_000_000_000 + i, step: i }));
    metrics.push({ key: 'odd', value: 'NaN', timestamp: 1, step: 1 }, { key: 'odd', value: '-Infinity', timestamp: 2, step: 2 });
    const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: 'v'.repeat(i === 0 ? 6000 : 3) }));
    const tags = Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: String(i) }));
    const before = client.http.stats.requests;
    await client.logBatch(run.run_id, { metrics, params, tags });
    expect(client.http.stats.requests - before).toBe(5);
    const history = await client.metricHistory(run.run_id, 'm');
    expect(history.length).toBe(2500);
    expect(history.map((p) => p.step)).toEqual(metrics.slice(0, 2500).map((p) => p.step));
    expect(history[7].value).toBeCloseTo(1);
    const odd = await client.metricHistory(run.run_id, 'odd');
    expect(odd.map((p) => p.value)).toEqual(['NaN', -1.7976931348623157e308]);
    const got = await client.getRun(run.run_id);
    expect(got?.data.params?.length).toBe(150);
    expect(got?.data.params?.find((p) => p.key === 'p0')?.value.length).toBe(6000);
    expect(got?.data.tags?.filter((t) => t.key.startsWith('t')).length).toBe(120);
  });

  it('retries 503 after the Retry-After the server asked for', async () => {
    const run = await client.createRun(experimentId, 'retry', Date.now(), []);
    proxy.faults.push({ path: 'runs/get', mode: 'refuse', status: 503, headers: { 'retry-after': '1' } });
    const t0 = Date.now();
    const fetched = await proxied.getRun(run.run_id);
    expect(fetched?.info.run_id).toBe(run.run_id);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(proxy.paths().filter((p) => p.endsWith('runs/get')).length).toBe(2);
  });

  it('retries a refused metric batch (429) but never one the server may have applied (502), so no point is doubled', async () => {
    const run = await client.createRun(experimentId, 'no-dupes', Date.now(), []);
    proxy.faults.push({ path: 'runs/log-batch', mode: 'refuse', status: 429, headers: { 'retry-after': '0' } });
    await proxied.logBatch(run.run_id, { metrics: [{ key: 'a', value: 1, timestamp: 10, step: 1 }] });
    proxy.faults.push({ path: 'runs/log-batch', mode: 'after', status: 502 });
    const error = await proxied.logBatch(run.run_id, { metrics: [{ key: 'a', value: 2, timestamp: 20, step: 2 }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowError);
    expect((error as MlflowError).ambiguous).toBe(true);
    expect((await client.metricHistory(run.run_id, 'a')).map((p) => p.step)).toEqual([1, 2]);
  });

  it('retries idempotent calls on 5xx and on a refused connection reports the server unavailable', async () => {
    proxy.faults.push({ path: 'experiments/get-by-name', mode: 'refuse', status: 500, times: 2 });
    expect(await proxied.experimentId(unique('flaky'))).toMatch(/^\d+$/);
    const dead = new MlflowClient({ baseUrl: 'http://127.0.0.1:9', insecureTls: false }, { ...quick, retries: 1 });
    const error = await dead.version().catch((e: unknown) => e);
    expect(error).toMatchObject({ unavailable: true, ambiguous: false, errorCode: 'ECONNREFUSED' });
    expect(dead.http.stats).toMatchObject({ requests: 1, retries: 1, failures: 1 });
  });

  it('uploads, lists and downloads artifacts through the proxy, spaces and all', async () => {
    const run = await client.createRun(experimentId, 'artifacts', Date.now(), []);
    const root = proxyRoot(run.artifact_uri);
    expect(root).toBe(`${experimentId}/${run.run_id}/artifacts`);
    const bytes = randomBytes(100_000);
    await client.putArtifact(`${root}/plots/fss map.png`, bytes);
    await client.putArtifact(`${root}/report.html`, Buffer.from('<html>'));
    expect(await client.listRunArtifacts(run.run_id)).toEqual([
      { path: 'plots/fss map.png', is_dir: false, file_size: 100_000 },
      { path: 'report.html', is_dir: false, file_size: 6 },
    ]);
    expect((await client.getArtifact(`${root}/plots/fss map.png`)).equals(bytes)).toBe(true);
  });

  it('registers a version of a run and moves an alias to it', async () => {
    const run = await client.createRun(experimentId, 'registry', Date.now(), []);
    const name = unique('model');
    await client.ensureRegisteredModel(name);
    await client.ensureRegisteredModel(name);
    const version = await client.createModelVersion(name, `${run.artifact_uri}/model`, run.run_id);
    expect(version).toMatchObject({ name, version: '1', status: 'READY', run_id: run.run_id });
    await client.setAlias(name, 'champion', '1');
    expect((await client.modelVersionByAlias(name, 'champion')).version).toBe('1');
    expect((await client.versionsOfRun(name, run.run_id)).map((v) => v.version)).toEqual(['1']);
  });
});

describe('MlflowClient auth', () => {
  it('sends the token as a Bearer header and never shows it in errors', async () => {
    const token = `tok-${randomBytes(8).toString('hex')}`;
    secrets.add(token);
    // A misbehaving server that echoes the credentials back in its error message.
    const server = await startTestServer((req) => ({ status: 401, body: { error_code: 'UNAUTHENTICATED', message: `bad credentials: ${String(req.headers.authorization)}` } }));
    try {
      const client = new MlflowClient({ baseUrl: server.url, insecureTls: false, authorization: `Bearer ${token}` }, quick);
      const error = (await client.getRun('abc').catch((e: unknown) => e)) as MlflowError;
      expect(server.requests[0].headers.authorization).toBe(`Bearer ${token}`);
      expect(error.status).toBe(401);
      expect(error.unavailable).toBe(true);
      expect(error.message).toContain('bad credentials: Bearer ***');
      expect(error.message).not.toContain(token);
      expect(server.requests.length).toBe(1);
    } finally {
      await server.close();
    }
  });
});
