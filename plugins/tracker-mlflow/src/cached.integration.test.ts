import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import { runFiles } from './artifacts.js';
import { ledgerPath, readLedger } from './ledger.js';
import { historyPoints } from './run-dir.js';
import { mlflowTestEnv, pythonRecord } from './test/env.js';

const env = mlflowTestEnv();
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// PRD_TEST_BIN runs this test against another build (main's, to see it fail there).
const PRD = process.env.PRD_TEST_BIN ?? join(ROOT, 'packages', 'cli', 'bin', 'run.js');

async function prd(args: string[], cwd: string): Promise<{ runDir: string; stderr: string }> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [PRD, ...args], { cwd, env: { ...process.env, CI: 'true' }, maxBuffer: 32 * 1024 * 1024 });
  return { runDir: (JSON.parse(stdout) as { runDir: string }).runDir, stderr };
}

describe.skipIf(!env)('a run whose training comes from the cache, mirrored to a real MLflow server', () => {
  // Issue 12, reproduction 7: the history was only forwarded from live epoch events, so a cached train step sent none.
  it('still sends every epoch of its history, its metrics, artifacts and model', { timeout: 600_000 }, async () => {
    const dir = tempDir('prd-cached-');
    const experiment = `prd-cached-${Date.now()}-${randomBytes(3).toString('hex')}`;
    const recipe = JSON.parse(readFileSync(join(ROOT, 'recipes', 'quickstart.json'), 'utf8')) as Record<string, any>;
    recipe.$schema = join(ROOT, 'recipes', 'recipe.schema.json');
    recipe.data.source.with = { events: 1, times: 2, cells: 40, members: 6 };
    recipe.train.epochs = 2;
    recipe.explain = [];
    recipe.track = [{ use: 'mlflow', with: { uri: env!.uri, experiment } }];
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify(recipe, null, 2));

    await prd(['run', 'recipe.json', '--json', '--progress', 'plain'], dir);
    const cached = await prd(['run', 'recipe.json', '--json', '--progress', 'plain'], dir);
    expect(cached.stderr).toMatch(/✓ train\s+\S+ \(cached\)/);

    const ledger = readLedger(cached.runDir, ledgerPath(env!.uri, experiment));
    const record = await pythonRecord(env!, env!.uri, ledger?.mlflow?.runId ?? '');
    expect(record.info.status).toBe('FINISHED');
    const epochs = historyPoints(cached.runDir);
    expect(epochs.filter((p) => p.key === 'loss')).toHaveLength(2);
    for (const key of new Set(epochs.map((p) => p.key))) {
      expect(record.metrics[key], key).toEqual(epochs.filter((p) => p.key === key).map((p) => ({ step: p.step, timestamp: p.timestamp, value: p.value })));
    }
    expect(Object.keys(record.metrics).some((k) => k.includes('fss'))).toBe(true);
    expect(record.artifacts).toEqual(runFiles(cached.runDir).files.map((f) => ({ path: f.path, size: f.size })));
    expect(record.artifacts.map((a) => a.path)).toEqual(expect.arrayContaining(['model/MLmodel', 'model/weights.bin', 'metrics.json', 'history.csv']));
    expect(JSON.parse(record.tags['mlflow.log-model.history'])[0].flavors).toHaveProperty('prd_tfjs');
  });
});
