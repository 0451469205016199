import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runPrd, startControlPlane, type ControlPlane } from '@prd/testing';
import { afterEach, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const RECIPE = join(REPO, 'recipes', 'azureml-quickstart.json');
const FAST = ['--set', 'train.epochs=1', '--set', 'explain=[]', '--set', 'compute.with.pollSeconds=0.2'];
const JOB_PATH = [join(REPO, 'node_modules', '.bin')];

/** Run prd in a fresh folder without blocking this process; `watch` sees stderr as it grows and may signal the child. */
async function prd(args: string[], env: Record<string, string>, watch?: Parameters<typeof runPrd>[1]['onStderr']) {
  const cwd = mkdtempSync(join(tmpdir(), 'prd-azureml-fault-'));
  return { ...(await runPrd(args, { cwd, env, onStderr: watch })), cwd };
}

describe('AzureML faults', () => {
  let plane: ControlPlane | undefined;
  afterEach(async () => {
    await plane?.close();
    plane = undefined;
  });

  it('Ctrl-C cancels the job on the server and leaves the local run KILLED', async () => {
    plane = await startControlPlane({ jobPath: JOB_PATH });
    let sent = false;
    const result = await prd(['run', RECIPE, ...FAST, '--set', 'train.epochs=50'], plane.env(), (stderr, child) => {
      if (!sent && /epoch 1\/50/i.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(result.code, result.stderr).toBe(130);
    const job = [...plane.jobs.values()][0];
    expect(job.cancelRequested).toBe(true);
    expect(job.status).toBe('Canceled');
    expect(plane.requests.some((r) => r.method === 'POST' && r.path.endsWith(`/jobs/${job.name}/cancel`))).toBe(true);
    const runs = join(result.cwd, 'runs');
    const runDir = existsSync(runs) ? join(runs, readdirSync(runs)[0]) : undefined;
    expect(runDir && JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')).status).toBe('KILLED');
  }, 600_000);

  it('a failed job shows its last log lines and exits non-zero; 429 and 5xx on the way are retried; an expired token is renewed', async () => {
    plane = await startControlPlane({ jobPath: JOB_PATH, jobEnv: { PRD_MEMORY_LIMIT: 'not-a-size' } });
    plane.faults.push({ method: 'PUT', path: /\/jobs\//, status: 429, retryAfter: 1, times: 1 }, { method: 'GET', path: /\/jobs\//, status: 503, times: 2 });
    plane.expireTokens();
    const result = await prd(['run', RECIPE, ...FAST], plane.env(), (stderr) => {
      // Expire the token once the job is submitted: the status polls that always follow must renew it (waiting for
      // "Running" raced with a job that fails at once).
      if (/submitted to /.test(stderr) && plane!.tokensIssued === 1) plane!.expireTokens();
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/AzureML job prd-azureml-quickstart-\S+ failed \(https:\/\/ml\.azure\.com\/runs\/.+\); its last log lines:/);
    // The node's own error (DuckDB refuses the memory limit) is among the lines shown.
    expect(result.stderr).toMatch(/its last log lines:\n.*Failed to set config/);
    expect(plane.faults.every((f) => f.times === 0)).toBe(true);
    expect(plane.requests.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
    expect(plane.tokensIssued).toBeGreaterThanOrEqual(2);
    expect([...plane.jobs.values()][0].status).toBe('Failed');
  }, 600_000);

  it('403 and a wrong workspace name say what to fix', async () => {
    plane = await startControlPlane();
    plane.forbidden = true;
    const denied = await prd(['run', RECIPE, ...FAST], plane.env());
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/AuthorizationFailed.*AzureML Data Scientist/s);
    plane.forbidden = false;
    const wrong = await prd(['run', RECIPE, ...FAST], { ...plane.env(), AZUREML_WORKSPACE_NAME: 'ws-typo' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/No workspace "ws-typo" in resource group "rg-prd-test".*from environment variables/s);
    expect(plane.jobs.size).toBe(0);
  }, 120_000);
});
