import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runPrd, startControlPlane, type ControlPlane } from '@prd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const RECIPE = join(REPO, 'recipes', 'azureml-quickstart.json');
/** Small and quick: one epoch, no explainers; the node polls fast. */
const FAST = ['--set', 'train.epochs=1', '--set', 'explain=[]', '--set', 'compute.with.pollSeconds=0.2'];

/** Run prd as a user would (see runPrd). */
function prd(args: string[], cwd: string, env: Record<string, string>, onStderr?: Parameters<typeof runPrd>[1]['onStderr']) {
  return runPrd(args, { cwd, env, onStderr });
}

describe('prd run on an AzureML cluster (local control plane + Azurite)', () => {
  let plane: ControlPlane;
  let cwd: string;
  beforeAll(async () => {
    plane = await startControlPlane({ jobPath: [join(REPO, 'node_modules', '.bin')] });
    cwd = mkdtempSync(join(tmpdir(), 'prd-azureml-run-'));
  });
  afterAll(async () => {
    await plane?.close();
  });

  it('--dry-run --json prints the job body and contacts nothing', async () => {
    const seen = plane.requests.length;
    const result = await prd(['run', RECIPE, ...FAST, '--dry-run', '--json'], cwd, plane.env());
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { job: { properties: Record<string, unknown> } };
    expect(out.job.properties.jobType).toBe('Command');
    expect(out.job.properties.command).toBe('ln -s "${{outputs.run}}" runs && prd worker job.json');
    expect(plane.requests.length).toBe(seen);
  }, 60_000);

  it('sends the quickstart to the cluster, streams its epochs, and downloads a run directory like a local one', async () => {
    const result = await prd(['run', RECIPE, ...FAST, '--json'], cwd, plane.env());
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stderr).not.toMatch(/error/i);
    const summary = JSON.parse(result.stdout) as { runId: string; runDir: string; status: string; metrics: Record<string, unknown> };
    expect(summary.status).toBe('FINISHED');
    expect(result.stderr).toMatch(/epoch 1\/1/i);
    expect(result.stderr).toMatch(/job prd-azureml-quickstart-\S+ is Completed/);
    for (const file of ['manifest.json', 'metrics.json', 'recipe.resolved.json', 'model/model.json', 'azureml.json']) expect(existsSync(join(summary.runDir, file)), file).toBe(true);
    const meta = JSON.parse(readFileSync(join(summary.runDir, 'azureml.json'), 'utf8')) as { jobName: string; studioUrl: string };
    expect(meta.studioUrl).toContain(meta.jobName);
    expect(JSON.parse(readFileSync(join(summary.runDir, 'manifest.json'), 'utf8')).status).toBe('FINISHED');
    expect(plane.jobs.get(meta.jobName)?.statusHistory).toEqual(['NotStarted', 'Preparing', 'Queued', 'Running', 'Completed']);
    // The job ran the prd its environment's Dockerfile installed from the packed tarballs, not this repository's.
    const image = plane.images.get(meta.jobName)!;
    expect(image.path[0]).toBe(join(image.dir, 'fs', 'opt', 'prd', 'node_modules', '.bin'));
    expect(existsSync(join(image.path[0], 'prd'))).toBe(true);
    const installed = JSON.parse(readFileSync(join(image.dir, 'fs', 'opt', 'prd', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(installed.dependencies)).toEqual(expect.arrayContaining(['@prd/cli', '@prd/core', '@prd/source-synthetic', '@prd/backend-local', '@prd/model-conv1d']));
    expect(Object.keys(installed.dependencies)).not.toContain('@prd/explainers');
    expect(Object.values(installed.dependencies).every((spec) => spec.startsWith('file:tarballs/'))).toBe(true);
    expect(plane.bodyErrors).toEqual([]);
    // The model is registered from the job's output, and prd predict can fetch it back by name.
    const model = plane.assets.get('models/azureml-quickstart/1') as { properties: { modelType: string; modelUri: string; jobName: string } };
    expect(model.properties).toMatchObject({ modelType: 'custom_model', jobName: meta.jobName });
    expect(model.properties.modelUri).toBe(`azureml://datastores/workspaceblobstore/paths/azureml/${meta.jobName}/run/${summary.runId}/model/`);
    expect(new Set(plane.requests.filter((r) => !r.path.startsWith('/_test') && !r.path.startsWith('/mlflow/')).map((r) => r.apiVersion))).toEqual(new Set(['2025-12-01']));

    // The node tracked to the workspace's MLflow endpoint with the job's run token, into the job's own run.
    const tracked = plane.requests.filter((r) => r.path.startsWith('/mlflow/'));
    expect(tracked.length).toBeGreaterThan(0);
    expect(new Set(tracked.map((r) => r.caller))).toEqual(new Set([`run:${meta.jobName}`]));
    const jobRun = plane.jobs.get(meta.jobName)!.mlflowRunId!;
    const mlflowRun = (await (await fetch(`${process.env.MLFLOW_TEST_URI}/api/2.0/mlflow/runs/get?run_id=${jobRun}`)).json()) as {
      run: { info: { status: string }; data: { metrics?: Array<{ key: string }>; tags?: Array<{ key: string; value: string }> } };
    };
    expect(mlflowRun.run.info.status).toBe('FINISHED');
    expect(mlflowRun.run.data.tags).toContainEqual({ key: 'prd.run_id', value: summary.runId });
    expect(mlflowRun.run.data.metrics?.map((m) => m.key)).toEqual(expect.arrayContaining(['loss', 'val_loss']));

    // A second run of the same recipe uploads nothing: code and environment are reused (stopped once submitted).
    const before = plane.requests.filter((r) => r.method === 'PUT' && /\/(codes|environments)\//.test(r.path)).length;
    const again = await prd(['run', RECIPE, ...FAST, '--json'], cwd, plane.env(), (stderr, child) => {
      if (/submitted to cpu-cluster/.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    expect(again.stderr).toMatch(/submitted to cpu-cluster/);
    expect(again.stderr).not.toMatch(/uploaded|created environment/);
    expect(plane.requests.filter((r) => r.method === 'PUT' && /\/(codes|environments)\//.test(r.path)).length).toBe(before);
    expect(plane.requests.filter((r) => r.method === 'GET' && /\/(codes|environments)\/.+\/versions\//.test(r.path) && r.status === 200).length).toBeGreaterThanOrEqual(2);
  }, 600_000);

});
