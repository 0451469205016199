import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, PRD_BIN, RECIPES, workDir } from '../test/cli.js';

// With a real MLflow server (MLFLOW_TEST_URI, see /tmp/mlflow.env in development, .ci/services in CI) the tracker's run
// is checked too; without one, the run directory's record is.
const mlflow = process.env.MLFLOW_TEST_URI;

describe('prd sync of a killed run (issue 12, reproduction 6)', () => {
  it('marks a run whose process was SIGKILLed as KILLED, and sends KILLED to its trackers', { timeout: 600_000 }, async () => {
    const dir = workDir();
    const experiment = `prd-killed-${Date.now()}-${randomBytes(3).toString('hex')}`;
    const track = mlflow ? ['--set', `track=[{"use":"mlflow","with":{"uri":"${mlflow}","experiment":"${experiment}"}}]`] : [];
    const args = ['run', join(RECIPES, 'quickstart.json'), '--set', 'train.epochs=50', '--set', 'data.source.with.cells=40', '--set', 'data.source.with.times=2', ...track, '--progress', 'plain'];
    const child = spawn(process.execPath, [PRD_BIN, ...args], { cwd: dir, env: { ...process.env, CI: '1', NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolveEpoch, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/epoch 2\/50/.test(stderr)) resolveEpoch();
      });
      child.on('exit', () => reject(new Error(`prd run ended before epoch 2:\n${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const runDir = join(dir, 'runs', readdirSync(join(dir, 'runs'))[0]);
    const manifest = () => JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as { status: string; error?: string; endedAt?: string };
    expect(manifest().status).toBe('RUNNING');

    const synced = prd(['sync', runDir], dir);
    expect(synced.stderr).toMatch(/was RUNNING, but its process has ended: recorded it as KILLED/);
    expect(manifest()).toMatchObject({ status: 'KILLED', error: expect.stringMatching(/killed/) });
    expect(manifest().endedAt).toBeDefined();
    if (!mlflow) {
      expect(synced.stderr).toMatch(/has no trackers/);
      return;
    }
    expect(synced.status, synced.stderr).toBe(0);
    expect(synced.stderr).toMatch(/status KILLED/);
    const ledgerFile = join(runDir, 'tracking', readdirSync(join(runDir, 'tracking'))[0]);
    expect(existsSync(ledgerFile)).toBe(true);
    const runId = (JSON.parse(readFileSync(ledgerFile, 'utf8')) as { mlflow: { runId: string } }).mlflow.runId;
    const response = await fetch(`${mlflow}/api/2.0/mlflow/runs/get?run_id=${runId}`);
    const record = (await response.json()) as { run: { info: { status: string } } };
    expect(record.run.info.status).toBe('KILLED');
  });
});
