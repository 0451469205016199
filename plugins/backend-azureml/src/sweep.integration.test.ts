import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runPrd, startControlPlane, type ControlPlane } from '@prd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const RECIPE = join(REPO, 'recipes', 'azureml-hyperdrive.json');
/**
 * The HyperDrive setting made small: 4 trials, 2 at a time, 2 epochs, the Bandit policy looking at every epoch with a
 * slack of 1 % (on this tiny data the trials' val_loss lie within 10 % of each other, so the original's slack stops none).
 */
const SMALL = ['sweep.limits.trials=4', 'sweep.limits.concurrency=2', 'train.epochs=2', 'sweep.earlyTermination.evaluationInterval=1', 'sweep.earlyTermination.slackFactor=0.01', 'compute.with.pollSeconds=0.3'].flatMap((s) => ['--set', s]);

/** Run prd as a user would (see runPrd). */
function prd(args: string[], cwd: string, env: Record<string, string>, onStderr?: Parameters<typeof runPrd>[1]['onStderr']) {
  return runPrd(args, { cwd, env, onStderr });
}

async function history(runId: string, metric: string): Promise<number[]> {
  const answer = (await (await fetch(`${process.env.MLFLOW_TEST_URI}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${metric}`)).json()) as { metrics?: Array<{ step: number; value: number }> };
  return (answer.metrics ?? []).sort((a, b) => a.step - b.step).map((m) => m.value);
}

describe('prd sweep as an AzureML sweep job (local control plane + Azurite + MLflow)', () => {
  let plane: ControlPlane;
  let cwd: string;
  beforeAll(async () => {
    plane = await startControlPlane({ jobPath: [join(REPO, 'node_modules', '.bin')] });
    cwd = mkdtempSync(join(tmpdir(), 'prd-azureml-sweep-'));
  });
  afterAll(async () => {
    await plane?.close();
  });

  it('--dry-run --json prints the sweep job body and contacts nothing', async () => {
    const seen = plane.requests.length;
    const result = await prd(['sweep', RECIPE, ...SMALL, '--dry-run', '--json'], cwd, plane.env());
    expect(result.code, result.stderr).toBe(0);
    const { job } = JSON.parse(result.stdout) as { job: { properties: Record<string, any> } };
    expect(job.properties).toMatchObject({
      jobType: 'Sweep',
      samplingAlgorithm: { samplingAlgorithmType: 'Random', seed: 42 },
      objective: { primaryMetric: 'val_loss', goal: 'Minimize' },
      earlyTermination: { policyType: 'Bandit', slackFactor: 0.01, evaluationInterval: 1 },
      limits: { maxTotalTrials: 4, maxConcurrentTrials: 2 },
    });
    expect(job.properties.trial.command).toContain("prd worker job.json --set 'train.batchSize=${{search_space.train_batchSize}}'");
    expect(plane.requests.length).toBe(seen);
  }, 60_000);

  it('runs the trials on the cluster, the policy reading their MLflow runs, and downloads the best trial', async () => {
    const result = await prd(['sweep', RECIPE, ...SMALL, '--json'], cwd, plane.env());
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(plane.bodyErrors).toEqual([]);
    const summary = JSON.parse(result.stdout) as { job: string; status: string; trials: Array<{ name: string; status: string; params: Record<string, unknown> }>; best: { trial: string; objective: number; runDir: string; params: Record<string, unknown> } };
    expect(summary.status).toBe('Completed');
    const sweep = plane.jobs.get(summary.job)!;
    expect(sweep.body.properties.jobType).toBe('Sweep');
    const trials = [...plane.jobs.values()].filter((j) => j.name.startsWith(`${summary.job}_`));
    expect(trials.map((t) => t.name).sort()).toEqual([0, 1, 2, 3].map((n) => `${summary.job}_${n}`));
    // Each trial ran prd worker with its drawn values, and tracked val_loss per epoch into its job's run.
    const finals = new Map<string, number>();
    const firstEpoch = new Map<string, number>();
    for (const t of trials) {
      expect(['Completed', 'Canceled']).toContain(t.status);
      expect(t.body.properties.command).toMatch(/--set 'train\.batchSize=(32|64|128)'/);
      const values = await history(t.mlflowRunId!, 'val_loss');
      expect(values.length, t.name).toBeGreaterThanOrEqual(1);
      firstEpoch.set(t.name, values[0]);
      if (t.status === 'Completed') finals.set(t.name, values[values.length - 1]);
    }
    expect(summary.trials.map((t) => t.status).sort()).toEqual(trials.map((t) => t.status).sort());
    // A cancelled trial is one the Bandit policy stopped (nobody pressed Ctrl-C), and the plane says at which step.
    const stopped = trials.filter((t) => t.status === 'Canceled');
    // Which trials had reported epoch 1 when a trial reached it depends on timing (two run at once), so the check is
    // that every stop had a reason: the stopped trial's epoch-1 val_loss was more than 1 % above another trial's.
    for (const t of stopped) {
      expect((t.body.properties.properties as Record<string, string>)['azureml.earlyTermination'], t.name).toMatch(/^Bandit at step 1$/);
      const others = trials.filter((o) => o !== t).map((o) => firstEpoch.get(o.name)!);
      expect(firstEpoch.get(t.name)!, t.name).toBeGreaterThan(1.01 * Math.min(...others));
    }
    process.stderr.write(`sweep ${summary.job}: ${stopped.length} of 4 trials stopped by the Bandit policy; final val_loss ${JSON.stringify(Object.fromEntries(finals))}\n`);
    // The best is the completed trial with the lowest final val_loss; its run directory is here.
    const bestName = [...finals].reduce((b, t) => (t[1] < b[1] ? t : b))[0];
    expect(summary.best.trial).toBe(bestName);
    expect(summary.best.objective).toBeCloseTo(finals.get(bestName)!, 6);
    expect(JSON.parse(readFileSync(join(summary.best.runDir, 'manifest.json'), 'utf8')).status).toBe('FINISHED');
    expect(existsSync(join(summary.best.runDir, 'model', 'model.json'))).toBe(true);
    expect(result.stderr).toMatch(/trial \S+_0 +Running/);
    expect(result.stderr).toMatch(/best trial: \S+_\d val_loss=/);
  }, 300_000);

  it('Ctrl-C cancels the sweep job and its trials', async () => {
    const result = await prd(['sweep', RECIPE, ...SMALL], cwd, plane.env(), (stderr, child) => {
      if (/trial \S+_0 +Running/.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    expect(result.code).toBe(130);
    const name = /sweep job (\S+) submitted/.exec(result.stderr)![1];
    expect(plane.jobs.get(name)!.status).toBe('Canceled');
    for (const t of [...plane.jobs.values()].filter((j) => j.name.startsWith(`${name}_`))) expect(t.status).toBe('Canceled');
  }, 120_000);
});
