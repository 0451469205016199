import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';
import type { RunSummary } from './run.js';

const small = ['--set', 'train.epochs=1', '--set', 'data.source.with.cells=40', '--set', 'data.source.with.times=2', '--set', 'explain=[{"use":"filters"}]', '--cache-dir', 'cache'];

interface StepRecord {
  name: string;
  key?: string;
  digest?: string;
  cached: boolean;
}

function steps(runDir: string): Record<string, StepRecord> {
  const manifest = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as { steps: StepRecord[] };
  return Object.fromEntries(manifest.steps.map((s) => [s.name, s]));
}

function run(dir: string): RunSummary {
  const result = prd(['run', join(RECIPES, 'quickstart.json'), ...small, '--json', '--progress', 'none'], dir);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as RunSummary;
}

describe('the step cache keys on content', () => {
  // Issue 12, reproduction 2: with keys from the recipe alone, a retrained model was paired with the cached
  // predictions, evaluation and explanations of the model before it.
  it('a retrained model (its cache entry deleted) is predicted, evaluated and explained anew', { timeout: 600_000 }, () => {
    const dir = workDir();
    const first = steps(run(dir).runDir);
    expect(first.train.cached).toBe(false);
    rmSync(join(dir, 'cache', 'train', first.train.key!), { recursive: true });

    const second = steps(run(dir).runDir);
    // What the model was trained on did not change, so the steps before it come from the cache...
    expect(second.split.cached).toBe(true);
    expect(second.scale.cached).toBe(true);
    expect(second.train).toMatchObject({ cached: false, key: first.train.key });
    // ...but every step that reads the new model runs again, under a key of its own (MLmodel names each model).
    for (const name of ['predict', 'explain']) {
      expect(second[name].cached, name).toBe(false);
      expect(second[name].key, name).not.toBe(first[name].key);
    }
    // Evaluate reads the predictions: training is deterministic, so when they came out byte for byte the same, the
    // evaluation of the first run is the evaluation of these predictions, and only then is it reused.
    expect(second.evaluate.cached).toBe(second.predict.digest === first.predict.digest);
    expect(second.evaluate.key === first.evaluate.key).toBe(second.predict.digest === first.predict.digest);
  });
});
