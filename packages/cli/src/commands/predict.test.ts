import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';
import type { PredictSummary } from './predict.js';

function readCsv(path: string): { header: string[]; rows: string[][] } {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  return { header: head.split(','), rows: lines.map((l) => l.split(',')) };
}

const BANDS = ['0.0', '0.25', '2.5', '7.0', '10.0'];

describe('prd predict', () => {
  it("applies a run's model with its own preprocessing and reproduces the run's test predictions", { timeout: 900_000 }, () => {
    const dir = workDir();
    const size = { times: '2', cells: '60' };
    const trained = prd(['run', join(RECIPES, 'quickstart.json'), '--set', 'train.epochs=1', '--set', `data.source.with.cells=${size.cells}`, '--set', `data.source.with.times=${size.times}`, '--json'], dir);
    expect(trained.status, trained.stderr).toBe(0);
    const runDir = JSON.parse(trained.stdout).runDir as string;
    // Even one epoch on this little data beats the NWP ensemble's band probabilities on the test split.
    const kl = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8')).test.kl_divergence as { ml: number; nwp: number };
    expect(kl.ml).toBeLessThan(kl.nwp);

    // The quickstart's synthetic source and `prd data synth` share the generator: the same rows, as CSV files.
    const synth = prd(['data', 'synth', '--out', 'same', '--events', '2', '--times', size.times, '--cells', size.cells, '--seed', '1'], dir);
    expect(synth.status, synth.stderr).toBe(0);
    const result = prd(['predict', '--model', runDir, '--data', 'same/**/prd_merged_*.csv', '--out', 'out/predictions.csv', '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as PredictSummary;
    // No training filters: every row of both events is predicted.
    expect(summary).toMatchObject({ rows: 2 * 2 * 60 * 18, dropped: 0, out: join(dir, 'out', 'predictions.csv') });
    const columns = [
      'time', 'realization', 'latitude', 'longitude',
      ...BANDS.map((b) => `radar_fraction_in_band_instant_${b}`),
      ...BANDS.map((b) => `mogrepsg_fraction_in_band_instant_${b}`),
      ...BANDS.map((b) => `ml_fraction_in_band_instant_${b}`),
    ];
    expect(summary.columns).toEqual(columns);
    const ours = readCsv(summary.out);
    expect(ours.header).toEqual(columns);
    expect(ours.rows).toHaveLength(summary.rows);
    for (const row of ours.rows.slice(0, 50)) {
      const ml = row.slice(14).map(Number);
      expect(ml.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }

    // The run's own test-split predictions: same rows, same model, same standardisation -> same fractions.
    const run = readCsv(join(runDir, 'predictions.csv'));
    expect(run.header).toEqual(columns);
    const key = (r: string[]) => r.slice(0, 4).join('|');
    const byKey = new Map(ours.rows.map((r) => [key(r), r]));
    expect(run.rows.length).toBeGreaterThan(100);
    let worst = 0;
    for (const r of run.rows) {
      const mine = byKey.get(key(r));
      expect(mine, key(r)).toBeDefined();
      for (let c = 4; c < columns.length; c++) worst = Math.max(worst, Math.abs(Number(mine![c]) - Number(r[c])));
    }
    expect(worst).toBeLessThan(1e-6);

    // Forecast files without radar columns are predicted too, without the truth columns.
    const csv = readFileSync(join(dir, 'same', readdirFirst(join(dir, 'same')), readdirFirst(join(dir, 'same', readdirFirst(join(dir, 'same'))))), 'utf8').split('\n');
    const header = csv[0].split(',');
    const radar = header.map((h, i) => (h.startsWith('radar_') || h.startsWith('fraction_sum') ? i : -1)).filter((i) => i >= 0);
    const strip = (line: string) => line.split(',').filter((_, i) => !radar.includes(i)).join(',');
    writeFileSync(join(dir, 'forecast.csv'), [strip(csv[0]), ...csv.slice(1, 40).map(strip)].join('\n'));
    const forecast = prd(['predict', '--model', join(runDir, 'model'), '--data', 'forecast.csv', '--out', 'forecast-predictions.csv', '--json'], dir);
    expect(forecast.status, forecast.stderr).toBe(0);
    expect((JSON.parse(forecast.stdout) as PredictSummary).columns).toEqual(columns.filter((c) => !c.startsWith('radar_')));

    // Data without the model's inputs, and URIs no tracker can fetch, are user errors.
    writeFileSync(join(dir, 'thin.csv'), 'time,realization,latitude,longitude,relative_humidity_5.0\n2020-01-01 00:00:00,0,50,0,0.5\n');
    const thin = prd(['predict', '--model', runDir, '--data', 'thin.csv'], dir);
    expect(thin.status).toBe(2);
    expect(thin.stderr).toMatch(/the data lacks \d+ columns the model needs/);
    const uri = prd(['predict', '--model', 'models:/prd-model@champion', '--data', 'thin.csv'], dir, { MLFLOW_TRACKING_URI: '' });
    expect(uri.status).toBe(2);
    expect(uri.stderr).toMatch(/no installed tracker could fetch models:\/prd-model@champion/);
    expect(uri.stderr).not.toMatch(/internal error/);
  });
});

function readdirFirst(path: string): string {
  return readdirSync(path).filter((f) => !f.startsWith('.') && !f.endsWith('.parquet')).sort()[0];
}
