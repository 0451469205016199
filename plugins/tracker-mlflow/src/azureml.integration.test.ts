import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunEvents } from '@prd/core';
import { startControlPlane, tempDir, type ControlPlane } from '@prd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureMlTracker } from './azureml.js';
import { ledgerPath, readLedger } from './ledger.js';
import { mlflowTestEnv } from './test/env.js';
import { sampleRecipe, simulateRun } from './test/run-fixture.js';

const env = mlflowTestEnv();

describe.skipIf(!env)('the azureml tracker: the workspace MLflow endpoint with Azure AD tokens (control plane + real MLflow)', () => {
  let plane: ControlPlane;
  const saved = { ...process.env };
  beforeAll(async () => {
    plane = await startControlPlane({ mlflowUri: env!.uri });
    // The same variables a user sets (or that az login and config.json stand for): DefaultAzureCredential runs `az`.
    Object.assign(process.env, plane.env());
  });
  afterAll(async () => {
    process.env = saved;
    await plane?.close();
  });

  it('mirrors a run to the workspace: every MLflow call carries a valid token under the workspace prefix', async () => {
    const experiment = `prd-azureml-${Date.now()}-${randomBytes(3).toString('hex')}`;
    const tracker = await azureMlTracker.create({ experiment, registerModel: 'precip-fractions' } as never, { seed: 1, baseDir: '.', pointer: '/track/0', events: new RunEvents(), tempDir: tempDir('prd-az-') });
    const { run } = await simulateRun([tracker], tempDir('prd-az-runs-'), { name: 'quickstart', recipe: sampleRecipe('quickstart'), epochs: 3 });
    const mlflowCalls = plane.requests.filter((r) => r.path.startsWith('/mlflow/'));
    expect(mlflowCalls.length).toBeGreaterThan(3);
    // A new experiment is first looked up and not found (404), as against any MLflow server.
    expect(mlflowCalls.filter((r) => (r.status >= 400 && !r.path.endsWith("/experiments/get-by-name")) || !r.path.includes(`/workspaces/${plane.workspace}/api/2.0/mlflow/`)).map((r) => `${r.status} ${r.method} ${r.path}`)).toEqual([]);
    const baseUrl = `${plane.url}/mlflow/v1.0/subscriptions/${plane.subscriptionId}/resourceGroups/${plane.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${plane.workspace}`;
    const ledger = readLedger(run.dir, ledgerPath(baseUrl, experiment));
    const runId = ledger?.mlflow?.runId;
    expect(runId).toBeTruthy();
    // The real MLflow server behind the endpoint has the run, its epochs and its end.
    const got = (await (await fetch(`${env!.uri}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json()) as { run: { info: { status: string }; data: { metrics: Array<{ key: string; step: number }> } } };
    expect(got.run.info.status).toBe('FINISHED');
    expect(got.run.data.metrics.find((m) => m.key === 'loss')?.step).toBe(3);
    // The model is a workspace model version (custom_model), and prd predict's download gets its files back.
    const registered = [...plane.assets.entries()].filter(([k]) => k.startsWith('models/precip-fractions/'));
    expect(registered.map(([k, v]) => [k, (v.properties as { modelType: string }).modelType])).toEqual([['models/precip-fractions/1', 'custom_model']]);
    const dest = tempDir('prd-az-model-');
    expect(await tracker.downloadModel!('azureml:precip-fractions@latest', dest)).toBe(true);
    expect(readFileSync(join(dest, 'MLmodel'), 'utf8')).toBe(readFileSync(join(run.dir, 'model', 'MLmodel'), 'utf8'));
    expect(await tracker.downloadModel!('azureml:precip-fractions:1', tempDir('prd-az-model-'))).toBe(true);
    await expect(tracker.downloadModel!('azureml:precip-fractions:7', dest)).rejects.toThrow(/no version 7 of model "precip-fractions"/);
    expect(plane.bodyErrors).toEqual([]);
    // Without a token the endpoint refuses.
    expect((await fetch(`${baseUrl}/api/2.0/mlflow/runs/get?run_id=${runId}`)).status).toBe(401);
  }, 120_000);
});
