import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runPrd, startControlPlane, type ControlPlane } from '@prd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const PRD = join(REPO, 'packages', 'cli', 'bin', 'run.js');

/** Run prd as a user would (see runPrd). */
function prd(args: string[], cwd: string, env: Record<string, string>) {
  return runPrd(args, { cwd, env });
}

describe('a cluster run of a recipe with local CSV data', () => {
  let plane: ControlPlane;
  let dir: string;
  beforeAll(async () => {
    plane = await startControlPlane({ jobPath: [join(REPO, 'node_modules', '.bin')] });
    dir = mkdtempSync(join(tmpdir(), 'prd-azureml-data-'));
    const synth = spawnSync(process.execPath, [PRD, 'data', 'synth', '--out', join(dir, 'data'), '--events', '2', '--times', '4', '--cells', '60', '--seed', '7'], { encoding: 'utf8' });
    expect(synth.status, synth.stderr).toBe(0);
    const quickstart = JSON.parse(readFileSync(join(REPO, 'recipes', 'quickstart.json'), 'utf8')) as Record<string, unknown>;
    delete quickstart.$schema;
    const recipe = { ...quickstart, name: 'csv-on-cluster', data: { ...(quickstart.data as object), source: { use: 'csv', with: { paths: ['data/**/prd_merged_*.csv'] } } }, train: { ...(quickstart.train as object), epochs: 1 }, explain: [] };
    writeFileSync(join(dir, 'local.json'), JSON.stringify(recipe, null, 2));
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ ...recipe, compute: { use: 'azureml', with: { cluster: 'cpu-cluster', pollSeconds: 0.2 } } }, null, 2));
  }, 120_000);
  afterAll(async () => plane?.close());

  it('uploads the data once as a data asset, mounts it as the job input, and scores as the same run here does', async () => {
    const dry = await prd(['run', 'cluster.json', '--dry-run', '--json'], dir, plane.env());
    const job = (JSON.parse(dry.stdout) as { job: { properties: { command: string; inputs: Record<string, { jobInputType: string; uri: string }> } } }).job.properties;
    expect(job.command).toBe('ln -s "${{inputs.data}}" data && ln -s "${{outputs.run}}" runs && prd worker job.json');
    expect(job.inputs.data).toMatchObject({ jobInputType: 'uri_folder', mode: 'ReadOnlyMount' });
    expect(job.inputs.data.uri).toMatch(/^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{32}\/data\/$/);

    const [cluster, local] = [await prd(['run', 'cluster.json', '--json'], dir, plane.env()), await prd(['run', 'local.json', '--json', '--runs-dir', 'local-runs'], dir, {})];
    expect(cluster.code, cluster.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    expect(cluster.stderr).toMatch(/uploaded the run's data as data asset prd-data-\S+ \(2 files/);
    expect([...plane.assets.keys()].filter((k) => k.startsWith('data/'))).toHaveLength(1);
    expect(plane.bodyErrors).toEqual([]);
    // Same data, same seed, same model: the same scores, to the last digits a parallel sum may reorder (DuckDB's
    // aggregates differ by ~1e-15 between two runs on one machine too).
    const metrics = (out: string) => flatten((JSON.parse(out) as { metrics: unknown }).metrics);
    const here = metrics(local.stdout);
    const there = metrics(cluster.stdout);
    expect(Object.keys(there)).toEqual(Object.keys(here));
    for (const [key, value] of Object.entries(here)) {
      if (value === null || here[key] === undefined) expect(there[key], key).toBe(value);
      else expect(Math.abs((there[key] as number) - value), key).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(value)));
    }
  }, 600_000);
});

/** `a/b/c -> number` for a nested metric tree. */
function flatten(tree: unknown, prefix = ''): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(tree as Record<string, unknown>)) {
    if (value !== null && typeof value === 'object') Object.assign(out, flatten(value, `${prefix}${key}/`));
    else out[`${prefix}${key}`] = value as number | null;
  }
  return out;
}
