import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, workDir } from '../../test/cli.js';
import type { RunComparison } from '../../run-catalog/compare.js';

function fakeRun(root: string, runId: string, opts: { status: string; lr: number; fss: number; tags?: Record<string, string>; startedAt: string }): void {
  const dir = join(root, 'runs', runId);
  mkdirSync(dir, { recursive: true });
  const manifest = { runId, name: 'quickstart', status: opts.status, startedAt: opts.startedAt, durationMs: 4200, seed: 1, recipe: { file: 'recipes/quickstart.json', files: [] }, runtime: { prd: '0', node: 'v20', platform: 'x', cpus: 2 }, plugins: [], steps: [], tags: opts.tags };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'recipe.resolved.json'), JSON.stringify({ name: 'quickstart', seed: 1, train: { epochs: 2, optimizer: { adam: { learningRate: opts.lr } } } }));
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ test: { fss: { '10': { ml: opts.fss, nwp: 0.1 }, '0.5': { ml: 0.9, nwp: 0.8 } }, kl_divergence: { ml: 0.16, nwp: 2.29 } } }));
}

describe('prd runs', () => {
  const root = workDir();
  fakeRun(root, '20261202-050000-quickstart-aaaa', { status: 'FINISHED', lr: 0.001, fss: 0.5, startedAt: '2026-12-02T05:00:00Z', tags: { 'prd.sweep': 's1' } });
  fakeRun(root, '20261202-060000-quickstart-bbbb', { status: 'FAILED', lr: 0.01, fss: 0.7, startedAt: '2026-12-02T06:00:00Z' });

  it('marks a RUNNING run whose process is gone as KILLED, in the list and in its manifest', () => {
    const dir = workDir();
    fakeRun(dir, '20261202-070000-quickstart-dead', { status: 'RUNNING', lr: 0.001, fss: 0.5, startedAt: '2026-12-02T07:00:00Z' });
    // pid 2^22 + 1 is above Linux's pid limit: no such process.
    writeFileSync(join(dir, 'runs', '20261202-070000-quickstart-dead', 'process.json'), JSON.stringify({ pid: 4194305, host: hostname(), startedAt: 1 }));
    const runs = JSON.parse(prd(['runs', '--json'], dir).stdout) as Array<{ status: string }>;
    expect(runs.map((r) => r.status)).toEqual(['KILLED']);
    expect(JSON.parse(readFileSync(join(dir, 'runs', '20261202-070000-quickstart-dead', 'manifest.json'), 'utf8')).status).toBe('KILLED');
  });

  it('lists runs newest first and filters by status and tag', () => {
    const all = JSON.parse(prd(['runs', '--json'], root).stdout) as Array<{ runId: string }>;
    expect(all.map((r) => r.runId)).toEqual(['20261202-060000-quickstart-bbbb', '20261202-050000-quickstart-aaaa']);
    const finished = JSON.parse(prd(['runs', '--status', 'FINISHED', '--json'], root).stdout) as Array<{ runId: string }>;
    expect(finished.map((r) => r.runId)).toEqual(['20261202-050000-quickstart-aaaa']);
    const tagged = JSON.parse(prd(['runs', '--tag', 'prd.sweep=s1', '--json'], root).stdout) as Array<{ runId: string }>;
    expect(tagged.map((r) => r.runId)).toEqual(['20261202-050000-quickstart-aaaa']);
  });

  it('compares two runs: only the values that differ, metrics side by side in numeric key order', () => {
    const result = prd(['runs', 'compare', '20261202-0500', '20261202-0600', '--json'], root);
    expect(result.status, result.stderr).toBe(0);
    const c = JSON.parse(result.stdout) as RunComparison;
    expect(c.params).toEqual([{ path: 'train.optimizer.adam.learningRate', values: ['0.001', '0.01'] }]);
    expect(c.metrics.map((m) => m.path)).toEqual(['test/fss/0.5', 'test/fss/10', 'test/kl_divergence']);
    expect(c.metrics[1]!.values).toEqual([{ ml: 0.5, nwp: 0.1 }, { ml: 0.7, nwp: 0.1 }]);
    const text = prd(['runs', 'compare', '20261202-0500', '20261202-0600'], root).stdout;
    expect(text).toMatch(/train\.optimizer\.adam\.learningRate\s+0\.001\s+0\.01/);
    expect(text).toMatch(/test\/fss\/10\s+0\.5000\s+0\.7000\s+0\.1000/);
  });

  it('names the closest run id when one is not found, with exit code 2', () => {
    const result = prd(['runs', 'show', '20261202-050000-quickstart-aaab'], root);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/did you mean 20261202-050000-quickstart-aaaa/);
  });
});
