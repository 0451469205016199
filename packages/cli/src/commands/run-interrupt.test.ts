import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRD_BIN, RECIPES, workDir } from '../test/cli.js';

describe('prd run interrupted with Ctrl-C', () => {
  it('exits 130 and names the real run id in the resume hint', { timeout: 300_000 }, async () => {
    const args = ['run', join(RECIPES, 'quickstart.json'), '--set', 'train.epochs=50', '--set', 'data.source.with.cells=40', '--set', 'data.source.with.times=2', '--progress', 'plain'];
    const child = spawn(process.execPath, [PRD_BIN, ...args], { cwd: workDir(), env: { ...process.env, CI: '1', NO_COLOR: '1' } });
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/epoch 1\/50/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    const runId = /prd run (\S+)/.exec(stderr)?.[1];
    expect(runId).toMatch(/^\d{8}-\d{6}-quickstart-[0-9a-f]{4}$/);
    expect(code).toBe(130);
    expect(stderr).toContain(`continue it with: prd run --resume ${runId}`);
  });
});
