import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '@prd/core';
import { tempDir } from '@prd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFiles } from './artifacts.js';
import { isComplete, ledgerPath, readLedger, type Ledger } from './ledger.js';
import { mlflowTestEnv, pythonRecord } from './test/env.js';
import { makeTracker } from './test/tracker.js';
import { startFaultProxy, type FaultProxy } from './test/fault-proxy.js';
import { SAMPLE_METRICS, epochRecord, sampleRecipe, simulateRun } from './test/run-fixture.js';

const env = mlflowTestEnv();
const unique = (name: string) => `${name}-${Date.now()}-${randomBytes(3).toString('hex')}`;

function ledgerOf(runDir: string, uri: string, experiment: string): Ledger {
  const ledger = readLedger(runDir, ledgerPath(uri, experiment));
  if (!ledger) throw new Error('no ledger');
  return ledger;
}

describe.skipIf(!env)('the mlflow tracker against a real MLflow server', () => {
  const uri = env?.uri ?? '';
  const runsDir = tempDir('prd-mlflow-runs-');
  let proxy: FaultProxy;
  beforeAll(async () => (proxy = await startFaultProxy(uri)));
  afterAll(async () => proxy?.close());

  it('mirrors a finished run: MLflow\'s Python client sees params, every epoch, final metrics, artifacts and the registered model', async () => {
    const experiment = unique('prd-tracker');
    const model = unique('precip');
    const tracker = makeTracker(uri, { experiment, registerAs: model, alias: 'champion' });
    const recipe = sampleRecipe('quickstart', model);
    const { run, history } = await simulateRun([tracker], runsDir, { name: 'quickstart', recipe, epochs: 6 });

    const ledger = ledgerOf(run.dir, uri, experiment);
    expect(isComplete(ledger)).toBe(true);
    const mlflowRunId = ledger.mlflow?.runId ?? '';
    const record = await pythonRecord(env!, uri, mlflowRunId, model, 'champion');

    expect(record.experiment).toBe(experiment);
    expect(record.info).toMatchObject({ run_name: 'quickstart', status: 'FINISHED', start_time: ledger.startTime, end_time: ledger.endTime });
    expect(record.params).toMatchObject({ 'train.epochs': '6', 'data.transforms.0.use': 'drop-missing', 'track.0.with.token': '${env:MLFLOW_TRACKING_TOKEN}' });
    expect(Object.keys(record.params).length).toBe(26);
    expect(record.tags).toMatchObject({ 'prd.run_id': run.runId, 'mlflow.user': 'tester', 'mlflow.source.type': 'LOCAL', 'mlflow.source.name': 'recipes/quickstart.json', 'mlflow.runName': 'quickstart' });
    // Every epoch, point for point, with the trainer's own timestamps.
    expect(record.metrics.loss).toEqual(history.map((h) => ({ step: h.epoch, timestamp: h.timestamp, value: h.metrics.loss })));
    expect(record.metrics.val_loss.length).toBe(6);
    expect(record.metrics.learning_rate.map((p) => p.value)).toEqual(Array(6).fill(0.001));
    // Final scores at step 0; an undefined score (null) is NaN.
    expect(record.metrics['test/fss/0.5/ml']).toEqual([{ step: 0, timestamp: ledger.endTime, value: 0.61 }]);
    expect(record.metrics['test/fss/2/nwp'][0].value).toBe('NaN');
    expect(record.metrics['test/fss/10 mm_h/ml'][0].value).toBe(0.05);
    expect(Object.keys(record.metrics).length).toBe(4 + 10);
    // The whole run directory but the trackers' state, sizes matching.
    const local = runFiles(run.dir).files.map((f) => ({ path: f.path, size: f.size }));
    expect(record.artifacts).toEqual(local);
    expect(record.artifacts.map((a) => a.path)).toEqual(expect.arrayContaining(['model/MLmodel', 'model/weights.bin', 'plots/fss map.png', 'report.html', 'metrics.json', 'history.csv', 'manifest.json']));
    expect(record.artifacts.some((a) => a.path.startsWith('tracking/'))).toBe(false);
    // The model: logged with its flavor, registered, aliased, and downloadable by Python users.
    const logged = JSON.parse(record.tags['mlflow.log-model.history']) as Array<Record<string, unknown>>;
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ artifact_path: 'model', run_id: mlflowRunId, flavors: { prd_tfjs: { format: 'tfjs_layers_model', model_json: 'model.json' } } });
    expect(record.versions).toEqual([{ name: model, version: '1', source: `${record.info.artifact_uri}/model`, status: 'READY', aliases: ['champion'] }]);
    expect(record.alias).toEqual({ name: model, version: '1', run_id: mlflowRunId });
    // (Python adds registered_model_meta when it downloads a registered model.)
    expect(record.downloaded).toEqual(['MLmodel', 'model.json', 'preprocessing.json', 'registered_model_meta', 'weights.bin']);

    // prd predict/evaluate download the model through the tracker, by alias, by version and by run.
    for (const modelUri of [`models:/${model}@champion`, `models:/${model}/1`, `runs:/${mlflowRunId}/model`]) {
      const dest = tempDir('prd-model-');
      expect(await tracker.downloadModel(modelUri, dest)).toBe(true);
      for (const file of ['MLmodel', 'model.json', 'preprocessing.json', 'weights.bin']) {
        expect(readFileSync(join(dest, file)).equals(readFileSync(run.path('model', file)))).toBe(true);
      }
    }
    expect(await tracker.downloadModel('file:///tmp/model', tempDir())).toBe(false);
    await expect(tracker.downloadModel(`models:/${model}@missing`, tempDir())).rejects.toThrow(/does not know models:\//);

    // A second sync finds nothing to do.
    const again = await makeTracker(uri, { experiment, registerAs: model, alias: 'champion' }).sync(run.dir);
    expect(again.sent).toEqual([]);
  });

  it('records KILLED and FAILED runs without registering their models', async () => {
    const experiment = unique('prd-killed');
    const model = unique('never');
    for (const status of ['KILLED', 'FAILED'] as const) {
      const tracker = makeTracker(uri, { experiment, registerAs: model });
      const { run } = await simulateRun([tracker], runsDir, { name: 'quickstart', recipe: sampleRecipe('quickstart'), epochs: 2, status });
      const ledger = ledgerOf(run.dir, uri, experiment);
      const record = await pythonRecord(env!, uri, ledger.mlflow?.runId ?? '');
      expect(record.info.status).toBe(status);
      expect(record.versions).toEqual([]);
      expect(record.tags['mlflow.log-model.history']).toBeUndefined();
      expect(record.metrics.loss.length).toBe(2);
    }
  });

  it('keeps training unaffected while the server refuses everything, then prd sync sends it all exactly once', async () => {
    const experiment = unique('prd-down');
    const received: RunEvent[] = [];
    const tracker = makeTracker(proxy.url, { experiment, drainTimeoutMs: 5_000 }, received);
    proxy.faults.push({ path: '/', mode: 'refuse', status: 503, times: 1_000_000 });
    const before = proxy.requests.length;
    const { run, history } = await simulateRun([tracker], runsDir, { name: 'quickstart', recipe: sampleRecipe('quickstart'), epochs: 5 });
    proxy.faults.length = 0;
    // A server that is down is asked once at the start and once at the end, with the run's few retries.
    expect(proxy.requests.length - before).toBeLessThanOrEqual(2 * 3);
    const warnings = received.filter((e) => e.type === 'log' && e.level === 'warn').map((e) => (e as { message: string }).message);
    expect(warnings.at(-1)).toMatch(new RegExp(`not sent: the run itself, 30 metric points, artifacts, the status .*prd sync ${run.runId}`));
    const pending = ledgerOf(run.dir, proxy.url, experiment);
    expect(pending.mlflow).toBeUndefined();
    expect(pending.metrics.pending.length).toBe(5 * 4 + 10);

    const result = await makeTracker(proxy.url, { experiment }).sync(run.dir);
    expect(result.sent).toEqual(expect.arrayContaining(['24 params', '30 metric points', 'status FINISHED']));
    const ledger = ledgerOf(run.dir, proxy.url, experiment);
    expect(isComplete(ledger)).toBe(true);
    const record = await pythonRecord(env!, uri, ledger.mlflow?.runId ?? '');
    expect(record.metrics.loss).toEqual(history.map((h) => ({ step: h.epoch, timestamp: h.timestamp, value: h.metrics.loss })));
    expect(record.info.status).toBe('FINISHED');
    expect(record.artifacts.length).toBe(runFiles(run.dir).files.length);
  });

  it('settles a metric batch whose answer was lost by reading the history, without doubling a point', async () => {
    const experiment = unique('prd-lost-answer');
    const tracker = makeTracker(proxy.url, { experiment });
    // The server applies the first metric batch, then the answer is lost (502).
    const fault = { path: 'runs/log-batch', bodyIncludes: '"metrics":[{', mode: 'after' as const, status: 502, times: 1 };
    proxy.faults.push(fault);
    const { run, history } = await simulateRun([tracker], runsDir, { name: 'quickstart', recipe: sampleRecipe('quickstart'), epochs: 4, epochMs: 50 });
    expect(fault.times).toBe(0);
    // The end of the run read the history of the uncertain points and sent only what was missing.
    const ledger = ledgerOf(run.dir, proxy.url, experiment);
    expect(isComplete(ledger)).toBe(true);
    expect(proxy.paths().filter((p) => p.includes('metrics/get-history')).length).toBeGreaterThan(0);
    const record = await pythonRecord(env!, uri, ledger.mlflow?.runId ?? '');
    for (const key of ['loss', 'val_loss', 'accuracy', 'learning_rate']) expect(record.metrics[key].map((p) => p.step)).toEqual(history.map((h) => h.epoch));
    expect(existsSync(run.path('tracking'))).toBe(true);
  });

  it('leaves files out by request and keeps secrets out of everything it sends', async () => {
    const experiment = unique('prd-secrets');
    const tracker = makeTracker(uri, { experiment, exclude: ['plots'], token: 'super-secret-token-value' });
    const recipe = { ...sampleRecipe('quickstart'), note: 'contains super-secret-token-value by mistake' };
    const { run } = await simulateRun([tracker], runsDir, { name: 'quickstart', recipe, epochs: 1 });
    const record = await pythonRecord(env!, uri, ledgerOf(run.dir, uri, experiment).mlflow?.runId ?? '');
    expect(record.params.note).toBe('contains *** by mistake');
    expect(JSON.stringify(record)).not.toContain('super-secret-token-value');
    expect(record.artifacts.some((a) => a.path.startsWith('plots/'))).toBe(false);
    expect(SAMPLE_METRICS).toBeDefined();
  });

  it('continues the same MLflow run when prd resumes a killed run', async () => {
    const experiment = unique('prd-resume');
    const first = await simulateRun([makeTracker(uri, { experiment })], runsDir, { name: 'quickstart', recipe: sampleRecipe('quickstart'), epochs: 2, status: 'KILLED' });
    const killed = ledgerOf(first.run.dir, uri, experiment);
    expect((await pythonRecord(env!, uri, killed.mlflow?.runId ?? '')).info.status).toBe('KILLED');
    // prd run --resume: the same run directory starts again and trains epochs 3 and 4 from the checkpoint.
    const tracker = makeTracker(uri, { experiment });
    await tracker.runStarted({ runId: first.run.runId, runDir: first.run.dir, name: 'quickstart', recipe: sampleRecipe('quickstart'), tags: { 'prd.run_id': first.run.runId, 'mlflow.user': 'tester' }, startTime: killed.startTime });
    const later = [3, 4].map((epoch) => epochRecord(epoch, Date.now() + epoch));
    for (const record of later) tracker.epochEnded(record);
    await tracker.runEnded({ status: 'FINISHED', runDir: first.run.dir, endTime: Date.now() + 10 });
    const resumed = ledgerOf(first.run.dir, uri, experiment);
    expect(resumed.mlflow?.runId).toBe(killed.mlflow?.runId);
    const record = await pythonRecord(env!, uri, resumed.mlflow?.runId ?? '');
    expect(record.info.status).toBe('FINISHED');
    expect(record.metrics.loss.map((p) => p.step)).toEqual([1, 2, 3, 4]);
  });
});
