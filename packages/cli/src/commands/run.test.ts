import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { duration } from '../render/format.js';
import { prd, RECIPES, workDir } from '../test/cli.js';
import type { RunSummary } from './run.js';

// A small slice of the quickstart keeps this end-to-end test quick.
const small = ['--set', 'train.epochs=1', '--set', 'data.source.with.cells=60', '--set', 'data.source.with.times=2'];

describe('prd run and prd plan', () => {
  it('runs the quickstart and prints one JSON summary whose run directory exists', { timeout: 900_000 }, () => {
    const dir = workDir();
    const result = prd(['run', join(RECIPES, 'quickstart.json'), ...small, '--json', '--progress', 'plain'], dir);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.status).toBe('FINISHED');
    expect(existsSync(summary.runDir)).toBe(true);
    for (const file of ['recipe.resolved.json', 'manifest.json', 'metrics.json', 'history.csv', 'predictions.csv', 'model/model.json', 'model/preprocessing.json']) {
      expect(existsSync(join(summary.runDir, file)), file).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(summary.runDir, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('FINISHED');
    expect(manifest.plugins.map((p: { name: string }) => p.name)).toContain('conv1d-residual');
    expect(summary.metrics).toHaveProperty(['test', 'fss']);
    expect(readFileSync(join(summary.runDir, 'history.csv'), 'utf8').split('\n')[0]).toMatch(/^epoch,loss,val_loss/);

    // One duration everywhere: the terminal's closing line, the JSON summary, the manifest and the report's header.
    expect(result.stderr).toContain(`finished in ${duration(manifest.durationMs)}  →  ${summary.runDir}`);
    expect(summary.durationMs).toBe(manifest.durationMs);
    const header = /<header>[\s\S]*?<\/header>/.exec(readFileSync(join(summary.runDir, 'report.html'), 'utf8'))?.[0] ?? '';
    expect(header).toContain(`${(manifest.durationMs / 1000).toFixed(1)} s`);

    // The plan now shows every step as cached, and where each value came from.
    const plan = prd(['plan', join(RECIPES, 'quickstart.json'), ...small, '--json'], dir);
    expect(plan.status).toBe(0);
    const parsed = JSON.parse(plan.stdout) as { steps: Array<{ name: string; state: string }>; values: Array<{ pointer: string; origin: string }> };
    expect(parsed.steps.filter((s) => ['split', 'scale', 'train', 'predict', 'evaluate'].includes(s.name)).map((s) => s.state)).toEqual(['cached', 'cached', 'cached', 'cached', 'cached']);
    expect(parsed.values.find((v) => v.pointer === '/train/epochs')?.origin).toBe('--set train.epochs=1');
    expect(parsed.values.find((v) => v.pointer === '/train/batchSize')?.origin).toMatch(/quickstart\.json:\d+$/);
    expect(parsed.values.find((v) => v.pointer === '/train/shuffle')?.origin).toBe('default');

    // Changing only the evaluation re-runs only the evaluation.
    const again = prd(['run', join(RECIPES, 'quickstart.json'), ...small, '--set', 'evaluate=[{"use":"mae"}]', '--json', '--progress', 'plain'], dir);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/✓ train\s+\S+ \(cached\)/);
    expect(again.stderr).toMatch(/✓ evaluate\s+\S+ {2}/);
    expect(JSON.parse(again.stdout).metrics.test).toHaveProperty('mae');
  });
});
