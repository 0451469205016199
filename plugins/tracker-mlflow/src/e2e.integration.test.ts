import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '@prd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFiles } from './artifacts.js';
import { isComplete, ledgerPath, readLedger } from './ledger.js';
import { historyPoints } from './run-dir.js';
import { mlflowTestEnv, pythonRecord } from './test/env.js';
import { startFaultProxy, type FaultProxy } from './test/fault-proxy.js';

const env = mlflowTestEnv();
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PRD = join(ROOT, 'packages', 'cli', 'bin', 'run.js');

/** Run the real prd CLI; resolves with its exit code and output (a failing exit is a result, not an exception). */
async function prd(args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [PRD, ...args], { cwd, env: { ...process.env, ...extraEnv, CI: 'true' }, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The quickstart recipe made small (a few hundred rows, 3 epochs), mirrored to MLflow and registered. */
function writeRecipe(dir: string, uri: string, experiment: string, model: string, epochs = 3): string {
  const recipe = JSON.parse(readFileSync(join(ROOT, 'recipes', 'quickstart.json'), 'utf8')) as Record<string, any>;
  recipe.$schema = join(ROOT, 'recipes', 'recipe.schema.json');
  recipe.data.source.with = { events: 1, times: 2, cells: 40, members: 6 };
  recipe.train.epochs = epochs;
  recipe.track = [{ use: 'mlflow', with: { uri, experiment, registerAs: model, alias: 'champion' } }];
  const file = join(dir, 'recipe.json');
  writeFileSync(file, JSON.stringify(recipe, null, 2));
  return file;
}

describe.skipIf(!env)('prd run and prd sync with a real MLflow server', () => {
  let proxy: FaultProxy;
  beforeAll(async () => (proxy = await startFaultProxy(env!.uri)));
  afterAll(async () => proxy?.close());

  it('prd run mirrors the run; MLflow\'s Python client finds params, every epoch, final metrics, artifacts and the model by alias', { timeout: 600_000 }, async () => {
    const dir = tempDir('prd-e2e-');
    const experiment = `prd-e2e-${Date.now()}-${randomBytes(3).toString('hex')}`;
    const model = `${experiment}-model`;
    writeRecipe(dir, '${env:MLFLOW_TRACKING_URI}', experiment, model);
    const result = await prd(['run', 'recipe.json', '--json'], dir, { MLFLOW_TRACKING_URI: env!.uri });
    expect(result.stderr).not.toMatch(/MLflow: not sent/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { runId: string; runDir: string; status: string };
    expect(summary.status).toBe('FINISHED');
    const ledger = readLedger(summary.runDir, ledgerPath(env!.uri, experiment));
    expect(ledger && isComplete(ledger)).toBe(true);
    // A plain tracking URI is not a credential (only passwords and tokens are redacted), so the ledger names it.
    expect(ledger?.target.uri).toBe(env!.uri);

    const record = await pythonRecord(env!, env!.uri, ledger?.mlflow?.runId ?? '', model, 'champion');
    expect(record.info).toMatchObject({ run_name: 'quickstart', status: 'FINISHED' });
    expect(record.tags['prd.run_id']).toBe(summary.runId);
    expect(record.params).toMatchObject({ 'train.epochs': '3', 'model.use': 'conv1d-residual', 'track.0.with.uri': '${env:MLFLOW_TRACKING_URI}' });
    // Every epoch of history.csv, point for point.
    const epochs = historyPoints(summary.runDir);
    expect(epochs.filter((p) => p.key === 'loss').length).toBe(3);
    for (const key of new Set(epochs.map((p) => p.key))) {
      expect(record.metrics[key]).toEqual(epochs.filter((p) => p.key === key).map((p) => ({ step: p.step, timestamp: p.timestamp, value: p.value })));
    }
    expect(Object.keys(record.metrics).some((k) => k.includes('fss'))).toBe(true);
    expect(record.artifacts).toEqual(runFiles(summary.runDir).files.map((f) => ({ path: f.path, size: f.size })));
    expect(record.artifacts.map((a) => a.path)).toEqual(expect.arrayContaining(['model/MLmodel', 'metrics.json', 'history.csv', 'report.html']));
    expect(record.versions).toEqual([expect.objectContaining({ name: model, version: '1', status: 'READY', aliases: ['champion'] })]);
    expect(record.downloaded).toEqual(expect.arrayContaining(['MLmodel', 'model.json']));
    expect(JSON.parse(record.tags['mlflow.log-model.history'])[0].flavors).toHaveProperty('prd_tfjs');

    // prd predict takes the registered model by its alias, and prd evaluate the run's model by its runs:/ URI.
    const uriEnv = { MLFLOW_TRACKING_URI: env!.uri };
    expect((await prd(['data', 'synth', '--out', 'scenario', '--events', '1', '--times', '2', '--cells', '40', '--members', '6'], dir)).code).toBe(0);
    const predicted = await prd(['predict', '--model', `models:/${model}@champion`, '--data', 'scenario/**/prd_merged_*.csv', '--out', 'p.csv', '--json'], dir, uriEnv);
    expect(predicted.code).toBe(0);
    expect(JSON.parse(predicted.stdout)).toMatchObject({ rows: expect.any(Number), model: `models:/${model}@champion` });
    const scored = await prd(['evaluate', '--model', `runs:/${ledger?.mlflow?.runId}/model`, '--data', 'scenario/**/prd_merged_*.csv', '--no-report', '--json'], dir, uriEnv);
    expect(scored.code).toBe(0);
    expect(JSON.parse(scored.stdout).metrics.test.fss).toBeDefined();
    // prd explain takes the same URI; a tracker's model comes without its recipe, so the explainers are named.
    const explained = await prd(['explain', '--model', `runs:/${ledger?.mlflow?.runId}/model`, '--data', 'scenario/**/prd_merged_*.csv', '--explainer', 'filters', '--no-report', '--json'], dir, uriEnv);
    expect(explained.code, explained.stderr).toBe(0);
    expect(JSON.parse(explained.stdout).explanations.filters).toMatchObject({ filters: 32, kernel_size: 3 });
  });

  it('a run whose server refuses everything finishes, and prd sync sends it all, once', { timeout: 600_000 }, async () => {
    const dir = tempDir('prd-e2e-');
    const experiment = `prd-e2e-down-${Date.now()}-${randomBytes(3).toString('hex')}`;
    const model = `${experiment}-model`;
    writeRecipe(dir, proxy.url, experiment, model);
    proxy.faults.push({ path: '/', mode: 'refuse', status: 503, times: 1_000_000 });
    const result = await prd(['run', 'recipe.json', '--json'], dir);
    proxy.faults.length = 0;
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { runId: string; runDir: string; status: string };
    expect(summary.status).toBe('FINISHED');
    expect(result.stderr).toContain(`send it later with: prd sync ${summary.runId}`);

    const synced = await prd(['sync', summary.runId], dir);
    expect(synced.code).toBe(0);
    expect(synced.stderr).toMatch(/✓ mlflow \(\/track\/0\): sent created MLflow run .*status FINISHED/);
    const again = await prd(['sync', summary.runId, '--json'], dir);
    expect(JSON.parse(again.stdout).trackers[0].sent).toEqual([]);

    const ledger = readLedger(summary.runDir, ledgerPath(proxy.url, experiment));
    const record = await pythonRecord(env!, env!.uri, ledger?.mlflow?.runId ?? '');
    const epochs = historyPoints(summary.runDir);
    expect(record.metrics.loss).toEqual(epochs.filter((p) => p.key === 'loss').map((p) => ({ step: p.step, timestamp: p.timestamp, value: p.value })));
    expect(record.info.status).toBe('FINISHED');
    expect(record.artifacts.length).toBe(runFiles(summary.runDir).files.length);
    expect(record.versions.map((v) => v.aliases)).toEqual([['champion']]);
  });

  it('Ctrl-C during training ends the MLflow run as KILLED', { timeout: 600_000 }, async () => {
    const dir = tempDir('prd-e2e-');
    const experiment = `prd-e2e-killed-${Date.now()}-${randomBytes(3).toString('hex')}`;
    writeRecipe(dir, env!.uri, experiment, `${experiment}-model`, 50);
    const child = spawn(process.execPath, [PRD, 'run', 'recipe.json', '--json', '--progress', 'plain'], { cwd: dir, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await new Promise<void>((resolveEpoch) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/epoch 2\/50/.test(stderr)) resolveEpoch();
      });
    });
    child.kill('SIGINT');
    const code = await exited;
    expect(code).not.toBe(0);
    const runDir = /→\s+(\S+)/.exec(stderr)?.[1] ?? '';
    const ledger = readLedger(runDir, ledgerPath(env!.uri, experiment));
    expect(ledger?.status).toBe('KILLED');
    const record = await pythonRecord(env!, env!.uri, ledger?.mlflow?.runId ?? '');
    expect(record.info.status).toBe('KILLED');
    expect(record.metrics.loss.length).toBeGreaterThanOrEqual(2);
    expect(record.metrics.loss.length).toBeLessThan(50);
    expect(record.versions).toEqual([]);
    expect(stdout + stderr).not.toContain('prd hit an internal error');
  });
});
