import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, PRD_BIN, RECIPES, workDir } from '../test/cli.js';

// The reproductions of a cache that lied (issue 12), on a small slice of the quickstart.
const QUICKSTART = join(RECIPES, 'quickstart.json');
const small = ['--set', 'train.epochs=1', '--set', 'data.source.with.cells=40', '--set', 'data.source.with.times=2', '--set', 'explain=[]'];

/** `prd` as its own process, without blocking this one (so several can run at once). */
function prdAsync(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [PRD_BIN, ...args], { cwd, env: { ...process.env, CI: '1', NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

/** The one finished entry directory of a step. */
function entryOf(dir: string, step: string): string {
  const root = join(dir, '.prd', 'cache', step);
  const names = readdirSync(root).filter((n) => !n.includes('.'));
  expect(names, `${step} entries`).toHaveLength(1);
  return join(root, names[0]);
}

/** A pid that belonged to a process which has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the step cache cannot lie (issue 12 reproductions)', () => {
  it('reproduction 5: three prd run of one recipe at once on a fresh cache all finish and share one entry per step', { timeout: 600_000 }, async () => {
    const dir = workDir();
    const results = await Promise.all([0, 1, 2].map(() => prdAsync(['run', QUICKSTART, ...small, '--json', '--progress', 'plain'], dir)));
    for (const r of results) {
      expect(r.stderr).not.toMatch(/ENOENT|internal error/);
      expect(r.status, r.stderr).toBe(0);
    }
    const runDirs = results.map((r) => (JSON.parse(r.stdout) as { runDir: string }).runDir);
    // Write-once: every run uses the first complete entry (its own summary, measured speed included), not its own copy.
    const trainSummaries = runDirs.map((d) => (JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as { steps: Array<{ name: string; summary?: unknown }> }).steps.find((s) => s.name === 'train')?.summary);
    expect(trainSummaries[1]).toEqual(trainSummaries[0]);
    expect(trainSummaries[2]).toEqual(trainSummaries[0]);
    const weights = runDirs.map((d) => readFileSync(join(d, 'model', 'weights.bin')));
    expect(weights[1].equals(weights[0])).toBe(true);
    expect(weights[2].equals(weights[0])).toBe(true);
    entryOf(dir, 'train');
  });

  it('reproductions 3, 4 and 6: garbled cached weights and preprocessing.json are rebuilt with a warning; leftovers of killed processes are removed', { timeout: 600_000 }, () => {
    const dir = workDir();
    const first = prd(['run', QUICKSTART, ...small, '--json', '--progress', 'plain'], dir);
    expect(first.status, first.stderr).toBe(0);
    const trainEntry = entryOf(dir, 'train');
    const weightsFile = join(trainEntry, 'model', 'weights.bin');
    const good = readFileSync(weightsFile);
    // Same size, half of it zeroed; and a preprocessing.json that is not JSON.
    writeFileSync(weightsFile, Buffer.concat([Buffer.alloc(good.length >> 1), good.subarray(good.length >> 1)]));
    writeFileSync(join(entryOf(dir, 'scale'), 'preprocessing.json'), '{"garbled": ');
    // What a SIGKILL during split and during a CSV conversion leaves behind.
    const pid = deadPid();
    const leftoverEntry = join(dir, '.prd', 'cache', 'split', `0123456789abcdef.tmp-${pid}-1700000000000`);
    mkdirSync(leftoverEntry, { recursive: true });
    writeFileSync(join(leftoverEntry, 'rows.parquet'), Buffer.alloc(1024));
    const leftoverPartial = join(dir, '.prd', 'tmp', 'csv', `0123456789abcdef.parquet.${pid}.partial`);
    mkdirSync(join(dir, '.prd', 'tmp', 'csv'), { recursive: true });
    writeFileSync(leftoverPartial, Buffer.alloc(1024));

    const second = prd(['run', QUICKSTART, ...small, '--json', '--progress', 'plain'], dir);
    expect(second.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    expect(second.status, second.stderr).toBe(0);
    const warnings = second.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings.filter((l) => /scale/.test(l) && /preprocessing\.json/.test(l))).toHaveLength(1);
    expect(warnings.filter((l) => /train/.test(l) && /weights\.bin/.test(l))).toHaveLength(1);
    expect(second.stderr).not.toMatch(/✓ train\s+\S+ \(cached\)/);
    const runDir = (JSON.parse(second.stdout) as { runDir: string }).runDir;
    expect(readFileSync(join(runDir, 'model', 'weights.bin')).equals(good)).toBe(true);
    expect(readFileSync(weightsFile).equals(good)).toBe(true);
    expect(existsSync(leftoverEntry)).toBe(false);
    expect(existsSync(leftoverPartial)).toBe(false);

    // The rebuilt entries are intact: the third run takes everything from the cache, silently.
    const third = prd(['run', QUICKSTART, ...small, '--progress', 'plain'], dir);
    expect(third.status, third.stderr).toBe(0);
    expect(third.stderr).toMatch(/✓ train\s+\S+ \(cached\)/);
    expect(third.stderr).not.toMatch(/warning:/);
  });

  it('reproduction 6: SIGKILL during split leaves a temporary entry, which the next run removes', { timeout: 600_000 }, async () => {
    const dir = workDir();
    const child = spawn(process.execPath, [PRD_BIN, 'run', QUICKSTART, '--set', 'data.source.with.cells=1500', '--progress', 'plain'], { cwd: dir, env: { ...process.env, CI: '1' }, stdio: 'ignore' });
    const splitDir = join(dir, '.prd', 'cache', 'split');
    const temporary = () => (existsSync(splitDir) ? readdirSync(splitDir).filter((n) => n.includes('.tmp-')) : []);
    for (let i = 0; i < 6000 && temporary().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(temporary(), 'split had started').toHaveLength(1);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const left = temporary();
    expect(left).toHaveLength(1);
    expect(statSync(join(splitDir, left[0])).isDirectory()).toBe(true);
    const again = prd(['run', QUICKSTART, ...small, '--progress', 'plain'], dir);
    expect(again.status, again.stderr).toBe(0);
    expect(temporary()).toEqual([]);
  });

  it('reproduction 1: --resume refuses a recipe that differs in more than train.epochs, and says what differs', { timeout: 600_000 }, () => {
    const dir = workDir();
    const first = prd(['run', QUICKSTART, ...small, '--json', '--progress', 'plain'], dir);
    expect(first.status, first.stderr).toBe(0);
    const { runId } = JSON.parse(first.stdout) as { runId: string };
    const resumed = prd(['run', QUICKSTART, ...small, '--resume', runId, '--set', 'model.with.filters=8', '--progress', 'plain'], dir);
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toMatch(/\/model\/with\/filters/);
    expect(resumed.stderr).not.toMatch(/internal error/);
    const saved = JSON.parse(readFileSync(join(dir, 'runs', runId, 'recipe.resolved.json'), 'utf8')) as { model: { with?: { filters?: number } } };
    expect(saved.model.with?.filters ?? 32).toBe(32);
  });
});
