import { describe, expect, it } from 'vitest';
import { markdownTable } from '../table.js';
import { parityRows, scoreAt, type ParityRun } from './parity-rows.js';

/** Runs of two seeds: tfjs scores, fused shifted by `fused`, tfjs x2 by `sumOrder`, fused x2 by 0.0001. */
function runs(fused: number[], sumOrder: number[]): ParityRun[] {
  const tfjs = [
    [0.16, 0.86, 0.78],
    [0.15, 0.88, 0.8],
  ];
  return [1, 2].flatMap((seed, s) => [
    { seed, side: 'tfjs' as const, scores: tfjs[s] },
    { seed, side: 'fused' as const, scores: tfjs[s].map((v) => v + fused[s]) },
    { seed, side: 'tfjs x2' as const, scores: tfjs[s].map((v) => v - sumOrder[s]) },
    { seed, side: 'fused x2' as const, scores: tfjs[s].map((v) => v + fused[s] + 0.0001) },
  ]);
}

describe('parity rows', () => {
  it("compares |fused - tfjs| per seed with tfjs' own sum-order difference, score by score", () => {
    const rows = parityRows(runs([0.001, 0.003], [0.004, 0.002]));
    expect(rows.map((r) => r.name)).toEqual([
      'quickstart test ML KL divergence: |fused - tfjs| per seed',
      'quickstart test ML FSS > 4 mm/h: |fused - tfjs| per seed',
      'quickstart test ML FSS > 10 mm/h: |fused - tfjs| per seed',
    ]);
    const kl = rows[0];
    expect(kl.samples.map((v) => v.toFixed(4))).toEqual(['0.0010', '0.0030']);
    expect(kl.value).toBeCloseTo(0.002, 10);
    expect(kl.reference?.value).toBeCloseTo(0.003, 10);
    expect(kl.ratio).toBeCloseTo(1.5, 10);
    expect(kl.note).toBe('2 seeds; largest |fused - tfjs| 0.0030, |tfjs x2 - tfjs| 0.0040, |fused x2 - fused| median 0.0001; mean over seeds: fused 0.1570, fused x2 0.1571, tfjs 0.1550, tfjs x2 0.1520');
  });

  it('keeps the table to its six columns although names hold |a - b|', () => {
    const lines = markdownTable(parityRows(runs([0.001, 0.003], [0.004, 0.002]))).split('\n');
    for (const line of lines) expect(line.replaceAll('\\|', '').split('|')).toHaveLength(8);
    expect(lines[2]).toContain('| 0.0020 abs. difference | 0.0030 abs. difference (\\|tfjs x2 - tfjs\\| (sum order only)) | 1.50x |');
  });

  it('refuses a seed without every side, and a score that is not a number', () => {
    expect(() => parityRows(runs([0, 0], [0, 0]).filter((r) => !(r.seed === 2 && r.side === 'tfjs x2')))).toThrow('parity: no tfjs x2 run for seed 2');
    expect(scoreAt({ fss: { '4': { ml: 0.5 } } }, ['fss', '4', 'ml'])).toBe(0.5);
    expect(() => scoreAt({ fss: { '4': { ml: null } } }, ['fss', '4', 'ml'])).toThrow('no number at fss.4.ml');
  });
});
