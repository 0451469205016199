import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prd, workDir } from '../../test/cli.js';

/** A finished run directory as the runner leaves it (manifest, resolved recipe, metrics), with no process recorded. */
function writeRun(root: string, runId: string, epochs: number, fss: number, startedAt: string, tags: Record<string, string> = {}): void {
  const dir = join(root, 'runs', runId);
  mkdirSync(dir, { recursive: true });
  const recipe = { name: 'quickstart', seed: 42, train: { epochs, batchSize: 64 }, model: { use: 'conv1d-residual' } };
  writeFileSync(join(dir, 'recipe.resolved.json'), JSON.stringify(recipe));
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ test: { fss: { '0.5': { ml: fss, nwp: 0.41 } }, kl_divergence: { ml: 0.2, nwp: 0.3 } } }));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ runId, name: 'quickstart', status: 'FINISHED', startedAt, durationMs: 56_300, recipe: { file: 'recipes/quickstart.json' }, steps: [{ name: 'train', cached: false, durationMs: 40_000 }], plugins: [], tags }));
}

describe('prd runs', () => {
  let dir: string;
  beforeAll(() => {
    dir = workDir();
    writeRun(dir, '20261202-060000-quickstart-aaaa', 3, 0.52, '2026-12-02T06:00:00.000Z', { sweep: 's1' });
    writeRun(dir, '20261202-070000-quickstart-bbbb', 5, 0.61, '2026-12-02T07:00:00.000Z');
  });

  it('lists runs newest first, and filters by tag and status', () => {
    const list = prd(['runs'], dir);
    expect(list.status, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^run\s+status\s+started\s+duration\s+recipe$/);
    expect(lines[1]).toMatch(/^20261202-070000-quickstart-bbbb\s+FINISHED\s+2026-12-02 07:00:00\s+56\.3s\s+recipes\/quickstart\.json$/);
    expect(JSON.parse(prd(['runs', '--tag', 'sweep=s1', '--json'], dir).stdout).map((r: { runId: string }) => r.runId)).toEqual(['20261202-060000-quickstart-aaaa']);
    expect(JSON.parse(prd(['runs', '--status', 'FAILED', '--json'], dir).stdout)).toEqual([]);
  });

  it('compares two runs: the recipe values that differ, metrics ML and NWP side by side', () => {
    const result = prd(['runs', 'compare', '20261202-060000', '20261202-070000'], dir);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\/train\/epochs\s+3\s+5/);
    expect(result.stdout).not.toContain('/train/batchSize');
    expect(result.stdout).toMatch(/fss\/0\.5\s+0\.52\s+0\.41\s+0\.61\s+0\.41/);
  });

  it('shows one run, and names the nearest id of one that does not exist', () => {
    expect(prd(['runs', 'show', '20261202-070000-quickstart-bbbb'], dir).stdout).toMatch(/FINISHED[\s\S]*fss\/0\.5\s+0\.61\s+0\.41/);
    const missing = prd(['runs', 'show', '20261202-070000-quickstart-bbbc'], dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('did you mean 20261202-070000-quickstart-bbbb?');
  });
});
