import { describe, expect, it } from 'vitest';
import { parallelCoordinates, sweepReportHtml, type SweepReportInput } from './sweep-report.js';

const input: SweepReportInput = {
  sweepId: 's1',
  recipe: 'r.json',
  metric: 'val_loss',
  goal: 'minimize',
  status: 'finished',
  elapsedMs: 12_000,
  best: 2,
  trials: [
    { number: 1, state: 'early-stopped', params: { lr: 0.3, batch: 64 }, objective: 10, curve: { 1: 11, 2: 10 }, stoppedBy: { rule: 'bandit', reason: 'val_loss 10 at epoch 2 is outside slack' } },
    { number: 2, state: 'finished', params: { lr: 0.003, batch: 32 }, objective: 0.13, curve: { 1: 0.2, 2: 0.15, 3: 0.13 } },
    { number: 3, state: 'finished', params: { lr: 0.03, batch: 128 }, objective: 0.2, curve: { 1: 0.3, 2: 0.25, 3: 0.2 } },
  ],
};

describe('sweep report', () => {
  it('puts each trial on every axis, scaled to [0, 1], log where values span decades', () => {
    const values = (parallelCoordinates(input) as { data: { values: Array<{ trial: number; axis: string; position: number; value: string }> } }).data.values;
    const at = (trial: number, axis: string) => values.find((v) => v.trial === trial && v.axis === axis)!;
    expect(at(2, 'lr').position).toBe(0);
    expect(at(1, 'lr').position).toBe(1);
    expect(at(3, 'lr').position).toBeCloseTo(0.5, 10); // log10: -2.52, -1.52, -0.52
    expect(at(2, 'batch').position).toBe(0);
    expect(at(3, 'batch').position).toBe(1);
    expect(at(1, 'val_loss').value).toBe('10');
  });

  it('is one page with the summary table (best marked, early stops explained) and three plots', async () => {
    const html = await sweepReportHtml(input);
    expect(html.match(/<svg/g)).toHaveLength(3);
    expect(html).toContain('<tr class="best"><td class="num">2</td><td>finished</td>');
    expect(html).toContain('bandit: val_loss 10 at epoch 2 is outside slack');
  });
});
