import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';
import type { PredictSummary } from './predict.js';

const SMALL = ['--set', 'train.epochs=1', '--set', 'data.source.with.cells=40', '--set', 'data.source.with.times=2', '--set', 'data.source.with.members=3', '--set', 'explain=[]'];
const FEATURE = 'air_temperature_5.0';

/** Replace the value of one column in the first data rows of a CSV file. */
function poke(file: string, column: string, values: string[]): void {
  const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const index = header.split(',').indexOf(column);
  values.forEach((value, r) => {
    const fields = rows[r].split(',');
    fields[index] = value;
    rows[r] = fields.join(',');
  });
  writeFileSync(file, `${[header, ...rows].join('\n')}\n`);
}

function firstCsv(dir: string): string {
  const event = readdirSync(dir).sort()[0];
  return join(dir, event, readdirSync(join(dir, event))[0]);
}

describe('infinite inputs (issue 16, reproduction 4)', () => {
  it('prd predict leaves rows with inf, -inf or Infinity out and says so; training data with them or 1e308 is a clear error', { timeout: 900_000 }, () => {
    const dir = workDir();
    const synth = prd(['data', 'synth', '--out', 'data', '--events', '2', '--times', '2', '--cells', '40', '--members', '3'], dir);
    expect(synth.status, synth.stderr).toBe(0);
    const file = firstCsv(join(dir, 'data'));
    poke(file, FEATURE, ['inf', '-inf', 'Infinity']);

    // Training on them: drop-missing keeps infinite values (as pandas' dropna does); the scaler names the column.
    // Paths in a recipe resolve against its directory: give this one absolute.
    const csv = ['--set', `data.source=${JSON.stringify({ use: 'csv', with: { paths: [join(dir, 'data/**/prd_merged_*.csv')] } })}`];
    const run = (extra: string[]) => prd(['run', join(RECIPES, 'quickstart.json'), ...SMALL, ...csv, ...extra, '--progress', 'none'], dir);
    const infinite = run([]);
    expect(infinite.status, infinite.stderr).toBe(2);
    expect(infinite.stderr).toMatch(new RegExp(`no value \\(NULL, NaN or infinite\\) in column "${FEATURE.replace('.', '\\.')}"`));
    expect(infinite.stderr).not.toMatch(/\n\s+at /);

    poke(file, FEATURE, ['1e308', '-1e308', '1e308']);
    const huge = run([]);
    expect(huge.status, huge.stderr).toBe(2);
    expect(huge.stderr).toMatch(/too large to standardise/);
    expect(huge.stderr).toContain(`"${FEATURE}"`);
    expect(huge.stderr).not.toMatch(/VARPOP|\n\s+at /);

    // Predicting: a model trained on clean synthetic data, applied to rows with infinite inputs.
    const trained = prd(['run', join(RECIPES, 'quickstart.json'), ...SMALL, '--json', '--progress', 'none'], dir);
    expect(trained.status, trained.stderr).toBe(0);
    poke(file, FEATURE, ['inf', '-inf', 'Infinity']);
    const result = prd(['predict', '--model', JSON.parse(trained.stdout).runDir as string, '--data', 'data/**/prd_merged_*.csv', '--out', 'out.csv', '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as PredictSummary;
    expect(summary.dropped).toBe(3);
    expect(summary.rows).toBe(2 * 2 * 40 * 3 - 3);
    expect(result.stderr).toMatch(/3 of 480 rows miss an input value \(NULL, NaN or infinite\)/);
  });
});
