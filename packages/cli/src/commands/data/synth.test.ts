import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedMergedColumns } from '@prd/precip';
import { describe, expect, it } from 'vitest';
import { prd, workDir } from '../../test/cli.js';
import type { SynthResult } from './synth.js';

describe('prd data synth', () => {
  it("writes one seed-named merged CSV per event, 233 columns, the same bytes for the same seed", { timeout: 300_000 }, () => {
    const dir = workDir();
    const args = ['data', 'synth', '--events', '2', '--times', '2', '--cells', '20', '--members', '3', '--json'];
    const first = prd([...args, '--out', 'a'], dir);
    expect(first.status, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as SynthResult;
    expect(result.rows).toBe(2 * 2 * 20 * 3);
    expect(result.files.map((f) => f.path.slice(join(dir, 'a').length + 1))).toEqual([
      '202001_synthetic_01/prd_merged_20200104T1800Z_20200105T0000Z.csv',
      '202001_synthetic_02/prd_merged_20200127T1800Z_20200128T0000Z.csv',
    ]);
    const lines = readFileSync(result.files[0].path, 'utf8').trim().split('\n');
    expect(lines[0].split(',')).toEqual(seedMergedColumns('model-first'));
    expect(lines).toHaveLength(1 + 2 * 20 * 3);
    expect(lines[1]).toMatch(/^0,\d+\.\d+,-?\d+\.\d+,0 days 06:00:00,2020-01-04 12:00:00,2020-01-04 18:00:00,/);

    const again = prd([...args, '--out', 'b'], dir);
    expect(again.status, again.stderr).toBe(0);
    const other = JSON.parse(again.stdout) as SynthResult;
    expect(readFileSync(other.files[1].path, 'utf8')).toBe(readFileSync(result.files[1].path, 'utf8'));
  });

  it('names events, writes radar-first columns and date-only midnights when asked, and rejects bad names', () => {
    const dir = workDir();
    const named = prd(['data', 'synth', '--out', 'n', '--event-names', 'storm_a', '--times', '2', '--cells', '4', '--members', '2', '--radar-first', '--midnight-as-date', '--json'], dir);
    expect(named.status, named.stderr).toBe(0);
    const [file] = (JSON.parse(named.stdout) as SynthResult).files;
    expect(file.path).toBe(join(dir, 'n', 'storm_a', 'prd_merged_20200104T1800Z_20200105T0000Z.csv'));
    const text = readFileSync(file.path, 'utf8');
    expect(text.split('\n')[0].split(',').slice(0, 4)).toEqual(['time', 'latitude', 'longitude', 'radar_max_rain_aggregate_3hr']);
    expect(/^2020-01-05,/m.test(text)).toBe(true);

    const bad = prd(['data', 'synth', '--out', 'x', '--event-names', 'storm a,'], dir);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--event-names.*"storm a" is not/);
    expect(bad.stderr).not.toMatch(/internal error/);
  });
});
