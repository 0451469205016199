import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';
import type { EvaluateSummary } from './evaluate.js';

describe('prd evaluate', () => {
  it('scores a trained model on a held-out synthetic event and writes its own run directory', { timeout: 900_000 }, () => {
    const dir = workDir();
    const small = ['--set', 'train.epochs=1', '--set', 'data.source.with.cells=60', '--set', 'data.source.with.times=2'];
    const trained = prd(['run', join(RECIPES, 'quickstart.json'), ...small, '--json'], dir);
    expect(trained.status, trained.stderr).toBe(0);
    const runDir = JSON.parse(trained.stdout).runDir as string;

    // An event the model never saw: another seed, the seed's test-scenario name, radar columns first.
    const synth = prd(['data', 'synth', '--out', 'scenario', '--event-names', '2022_storm_eunice_franklin', '--times', '2', '--cells', '80', '--seed', '9', '--radar-first'], dir);
    expect(synth.status, synth.stderr).toBe(0);

    const result = prd(['evaluate', '--model', runDir, '--data', 'scenario/**/prd_merged_*.csv', '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as EvaluateSummary;
    expect(summary).toMatchObject({ rows: 2 * 80 * 18, dropped: 0 });
    // The training recipe's evaluators (fss, frequency-bias, kl-divergence), ML and NWP side by side.
    const test = summary.metrics.test as Record<string, Record<string, { ml: number | null; nwp: number | null }>>;
    expect(Object.keys(test)).toEqual(expect.arrayContaining(['fss', 'fss_ensemble_mean', 'fss_control', 'frequency_bias', 'kl_divergence']));
    expect(typeof test.fss['0.01'].ml).toBe('number');
    expect(typeof test.fss['0.01'].nwp).toBe('number');
    for (const file of ['metrics.json', 'predictions.csv', 'manifest.json', 'model/preprocessing.json', 'evaluation/test/fss_by_cell.csv', 'report.html']) {
      expect(existsSync(join(summary.runDir, file)), file).toBe(true);
    }
    expect(readFileSync(join(summary.runDir, 'predictions.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 2 * 80 * 18);
    expect(JSON.parse(readFileSync(join(summary.runDir, 'metrics.json'), 'utf8'))).toEqual(summary.metrics);
    // The report's header shows the evaluation's final manifest: finished, in the duration the manifest records.
    const manifest = JSON.parse(readFileSync(join(summary.runDir, 'manifest.json'), 'utf8')) as { status: string; durationMs: number };
    const header = /<header>[\s\S]*?<\/header>/.exec(readFileSync(join(summary.runDir, 'report.html'), 'utf8'))?.[0] ?? '';
    expect(header).toContain(`${(manifest.durationMs / 1000).toFixed(1)} s`);
    expect(header).toContain(`>${manifest.status}<`);

    // An evaluation runs the run's own steps (those that split and train do not apply), recorded the same way...
    type Steps = { steps: Array<{ name: string; cached: boolean; skipped?: string }> };
    const stepsOf = (runDir: string) => Object.fromEntries((JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as Steps).steps.map((s) => [s.name, s]));
    const first = stepsOf(summary.runDir);
    expect(Object.keys(first)).toEqual(['load', 'transform', 'split', 'rebalance', 'scale', 'train', 'predict', 'evaluate', 'explain', 'report']);
    expect(first.split.skipped).toMatch(/given model/);
    expect(first.predict).toMatchObject({ cached: false });
    // ...and cached: scoring the same model on the same data again reuses every step.
    const again = prd(['evaluate', '--model', runDir, '--data', 'scenario/**/prd_merged_*.csv', '--json', '--no-report'], dir);
    expect(again.status, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as EvaluateSummary;
    expect(second.metrics).toEqual(summary.metrics);
    expect(['scale', 'train', 'predict', 'evaluate'].map((name) => stepsOf(second.runDir)[name].cached)).toEqual([true, true, true, true]);

    // Data without the model's columns is a user error that names what is missing.
    writeFileSync(join(dir, 'thin.csv'), 'time,realization,latitude,longitude,relative_humidity_5.0\n2020-01-01 00:00:00,0,50,0,0.5\n');
    const thin = prd(['evaluate', '--model', runDir, '--data', 'thin.csv'], dir);
    expect(thin.status).toBe(2);
    expect(thin.stderr).toMatch(/the data lacks \d+ columns the model needs/);
    expect(thin.stderr).not.toMatch(/internal error/);

    const nowhere = prd(['evaluate', '--model', dir, '--data', 'thin.csv'], dir);
    expect(nowhere.status).toBe(2);
    expect(nowhere.stderr).toMatch(/holds no trained model \(model.json and preprocessing.json\)/);
  });
});
