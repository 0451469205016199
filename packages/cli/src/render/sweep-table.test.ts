import type { SweepState } from '@prd/sweep';
import { describe, expect, it } from 'vitest';
import { summaryLines, sweepRenderer } from './sweep-table.js';

const state: SweepState = {
  version: 1,
  sweepId: 's1',
  recipe: 'r.json',
  set: [],
  spec: { space: { 'train.batchSize': { distribution: 'choice', values: [32, 64] }, lr: { distribution: 'loguniform', min: 1e-4, max: 0.1 } }, objective: { metric: 'val_loss', goal: 'minimize' }, limits: { trials: 3 } },
  seed: 1,
  status: 'finished',
  createdAt: '',
  elapsedMs: 61_500,
  dataReady: true,
  childTags: {},
  best: 2,
  trials: [
    { number: 1, params: { 'train.batchSize': 64, lr: 0.31 }, unit: [], state: 'early-stopped', curve: { 1: 11, 2: 10.05 }, objective: 10.05, epoch: 2, epochs: 6, attempts: 1, stoppedBy: { rule: 'bandit', reason: 'val_loss 10.05 at epoch 2 is outside slack factor 0.1 of the best at that epoch (0.1571, trial 2): limit 0.1728' } },
    { number: 2, params: { 'train.batchSize': 32, lr: 0.000377 }, unit: [], state: 'finished', curve: {}, objective: 0.133, epoch: 6, epochs: 6, attempts: 1, runId: 'run-2' },
    { number: 3, params: { 'train.batchSize': 32, lr: 0.01 }, unit: [], state: 'failed', curve: {}, attempts: 1, error: 'out of memory' },
  ],
};

describe('sweep summary', () => {
  it('lists every trial, says which stopped early, by what rule and why, and names the best', () => {
    expect(summaryLines(state)).toEqual([
      'sweep s1: finished, 3 trials in 61.5 s',
      'trial  state          train.batchSize  lr       val_loss  epoch',
      '1      early-stopped  64               0.31     10.05     2/6',
      '2      finished       32               3.77e-4  0.133     6/6',
      '3      failed         32               0.01',
      '',
      'stopped early (1):',
      '  trial 1: bandit: val_loss 10.05 at epoch 2 is outside slack factor 0.1 of the best at that epoch (0.1571, trial 2): limit 0.1728',
      '',
      'failed (1):',
      '  trial 3: out of memory',
      '',
      'best: trial 2, val_loss 0.133 (train.batchSize=32, lr=3.77e-4), run run-2',
    ]);
  });

  it('prints one plain line per trial state change when not on a terminal', () => {
    const lines: string[] = [];
    const r = sweepRenderer({ live: false, write: (l) => lines.push(l) });
    r.update(state, state.trials[0]);
    r.update(state, state.trials[0]);
    r.update(state, state.trials[1]);
    expect(lines).toEqual([
      'trial 1 early-stopped: val_loss 10.05 at epoch 2; bandit: val_loss 10.05 at epoch 2 is outside slack factor 0.1 of the best at that epoch (0.1571, trial 2): limit 0.1728',
      'trial 2 finished: val_loss 0.133 at epoch 6',
    ]);
  });
});
