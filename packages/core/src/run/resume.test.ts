import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPrdError, type PrdError } from '../errors.js';
import { openForResume, recipeDifferences, settleKilledRun } from './resume.js';
import { PROCESS_FILE, RunDirectory, type Manifest } from './run-dir.js';

// Core's tests make their own folders: @prd/testing depends on core, not the other way round.
const tempDir = (prefix = 'prd-test-'): string => mkdtempSync(join(tmpdir(), prefix));

const recipe = { $schema: './a.json', name: 'q', seed: 42, model: { use: 'conv1d-residual', with: { filters: 32 } }, train: { epochs: 2, batchSize: 64 }, evaluate: [{ use: 'fss' }] };

/** A finished-looking run of `recipe` whose writer process has ended. */
function savedRun(runsDir: string): RunDirectory {
  const run = RunDirectory.create(runsDir, 'q');
  run.writeJson('recipe.resolved.json', recipe);
  run.writeJson('manifest.json', { runId: run.runId, status: 'RUNNING', startedAt: new Date(Date.now() - 60_000).toISOString() } as Partial<Manifest>);
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  run.writeJson(PROCESS_FILE, { ...JSON.parse(readFileSync(run.path(PROCESS_FILE), 'utf8')), pid: dead });
  return run;
}

function refusal(fn: () => unknown): PrdError {
  try {
    fn();
  } catch (error) {
    if (isPrdError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('resume', () => {
  it('lists every differing leaf value by JSON pointer', () => {
    const changed = { ...recipe, model: { use: 'conv1d-residual', with: { filters: 8 } }, evaluate: [{ use: 'fss' }, { use: 'mae' }], seed: undefined };
    expect(recipeDifferences(recipe, changed)).toEqual([
      { pointer: '/evaluate', before: [{ use: 'fss' }], after: [{ use: 'fss' }, { use: 'mae' }] },
      { pointer: '/model/with/filters', before: 32, after: 8 },
      { pointer: '/seed', before: 42, after: undefined },
    ]);
  });

  it('refuses a recipe that differs in anything but train.epochs, naming each value, with exit code 2', () => {
    const run = savedRun(tempDir('prd-runs-'));
    const error = refusal(() => openForResume(join(run.dir, '..'), run.runId, { ...recipe, model: { use: 'conv1d-residual', with: { filters: 8 } }, train: { epochs: 5, batchSize: 32 } }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/cannot be resumed with a different recipe \(only \/train\/epochs may change\)/);
    expect(error.issues).toEqual([
      { pointer: '/model/with/filters', message: 'the run used 32, this recipe has 8' },
      { pointer: '/train/batchSize', message: 'the run used 64, this recipe has 32' },
    ]);
  });

  it('accepts more epochs, and records this process as the run\'s writer', () => {
    const run = savedRun(tempDir('prd-runs-'));
    const resumed = openForResume(join(run.dir, '..'), run.runId, { ...recipe, $schema: 'elsewhere.json', train: { epochs: 9, batchSize: 64 } });
    expect(resumed.dir).toBe(run.dir);
    expect(JSON.parse(readFileSync(run.path(PROCESS_FILE), 'utf8')).pid).toBe(process.pid);
    // Its process (this one) now runs it: a second resume is refused.
    expect(refusal(() => openForResume(join(run.dir, '..'), run.runId, recipe)).message).toMatch(/is still running \(process \d+\)/);
  });

  it('records a RUNNING run whose process has ended as KILLED, once', () => {
    const run = savedRun(tempDir('prd-runs-'));
    writeFileSync(run.path('history.csv'), 'epoch,loss\n1,0.2\n');
    const settled = settleKilledRun(run);
    expect(settled).toMatchObject({ status: 'KILLED', error: expect.stringMatching(/ended without finishing the run \(killed\)/) });
    expect(run.readJson<Manifest>('manifest.json')?.status).toBe('KILLED');
    expect(settleKilledRun(run)).toBeUndefined();
  });

  it('leaves a RUNNING run whose process still runs alone', () => {
    const run = RunDirectory.create(tempDir('prd-runs-'), 'q');
    run.writeJson('manifest.json', { status: 'RUNNING', startedAt: new Date().toISOString() });
    expect(settleKilledRun(run)).toBeUndefined();
  });
});
