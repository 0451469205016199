import { describe, expect, it } from 'vitest';
import { ashaRungs, decide, evaluatedAt, type Curves } from './termination.js';

/** Curves from a table: trial id -> values at epochs 1, 2, 3, ... */
function curves(table: Record<string, number[]>): Curves {
  return new Map(Object.entries(table).map(([id, values]) => [id, new Map(values.map((v, i) => [i + 1, v]))]));
}

describe('evaluation schedule', () => {
  it('evaluates at multiples of the interval after the delay', () => {
    expect([1, 2, 3, 4, 5, 6].filter((e) => evaluatedAt(e, 2, 0))).toEqual([2, 4, 6]);
    expect([1, 2, 3, 4, 5, 6].filter((e) => evaluatedAt(e, 2, 3))).toEqual([4, 6]);
    expect([1, 2, 3].filter((e) => evaluatedAt(e))).toEqual([1, 2, 3]);
  });
  it('puts ASHA rungs at minEpochs x factor^k', () => {
    expect(ashaRungs(1, 3, 30)).toEqual([1, 3, 9, 27]);
    expect(ashaRungs(2, 2, 16)).toEqual([2, 4, 8, 16]);
  });
});

describe('bandit', () => {
  // Best val_loss at epoch 2 is 0.40 (trial A). Slack factor 0.1: limit 0.40 x 1.1 = 0.44.
  const c = curves({ A: [0.6, 0.4], B: [0.7, 0.45], C: [0.5, 0.43] });
  const policy = { policy: 'bandit' as const, slackFactor: 0.1, evaluationInterval: 2 };

  it('stops a trial worse than best x (1 + slack) when minimizing (0.45 > 0.44)', () => {
    const d = decide(policy, 'minimize', 'val_loss', 'B', 2, c);
    expect(d.stop).toBe(true);
    expect(d.rule).toBe('bandit');
    expect(d.reason).toContain('val_loss 0.45 at epoch 2 is outside slack factor 0.1 of the best at that epoch (0.4, trial A): limit 0.44');
  });
  it('keeps a trial within the slack (0.43 <= 0.44) and the best one', () => {
    expect(decide(policy, 'minimize', 'val_loss', 'C', 2, c).stop).toBe(false);
    expect(decide(policy, 'minimize', 'val_loss', 'A', 2, c).stop).toBe(false);
  });
  it('does not evaluate off the interval (epoch 1)', () => {
    expect(decide(policy, 'minimize', 'val_loss', 'B', 1, c).stop).toBe(false);
  });
  it('maximizing: limit is best / (1 + slack); 0.8 / 1.1 = 0.727', () => {
    const m = curves({ A: [0.8], B: [0.72], C: [0.73] });
    const p = { policy: 'bandit' as const, slackFactor: 0.1 };
    expect(decide(p, 'maximize', 'acc', 'B', 1, m).stop).toBe(true);
    expect(decide(p, 'maximize', 'acc', 'C', 1, m).stop).toBe(false);
  });
  it('slack amount: worse than best + amount (0.40 + 0.04 = 0.44)', () => {
    const p = { policy: 'bandit' as const, slackAmount: 0.04 };
    expect(decide(p, 'minimize', 'val_loss', 'B', 2, c).stop).toBe(true);
    expect(decide(p, 'minimize', 'val_loss', 'C', 2, c).stop).toBe(false);
  });
  it('honours the delay', () => {
    expect(decide({ ...policy, delayEvaluation: 2 }, 'minimize', 'val_loss', 'B', 2, c).stop).toBe(false);
  });
});

describe('median stopping', () => {
  // At epoch 2: running averages of the others: A (1.0+0.8)/2 = 0.9, B (0.6+0.4)/2 = 0.5, C (0.7+0.5)/2 = 0.6 -> median 0.6.
  const c = curves({ A: [1.0, 0.8], B: [0.6, 0.4], C: [0.7, 0.5], D: [0.9, 0.65] });
  const p = { policy: 'median-stopping' as const };
  it("stops a trial whose best so far (0.65) is worse than the median of the others' running averages (0.6)", () => {
    const d = decide(p, 'minimize', 'val_loss', 'D', 2, c);
    expect(d.stop).toBe(true);
    expect(d.reason).toContain('best val_loss 0.65 up to epoch 2 is worse than the median (0.6) of 3 other trials');
  });
  it('keeps a trial at or better than the median', () => {
    // For C the others are A 0.9, B 0.5, D 0.775 -> median 0.775; C's best 0.5 is better.
    expect(decide(p, 'minimize', 'val_loss', 'C', 2, c).stop).toBe(false);
  });
  it('keeps the first trial (no others to compare with)', () => {
    expect(decide(p, 'minimize', 'val_loss', 'A', 1, curves({ A: [1] })).stop).toBe(false);
  });
});

describe('truncation selection', () => {
  // Epoch 1, 5 trials, 20%: floor(5 x 0.2) = 1 stopped: the worst (E, 0.9).
  const c = curves({ A: [0.5], B: [0.6], C: [0.7], D: [0.8], E: [0.9] });
  const p = { policy: 'truncation-selection' as const, truncationPercentage: 20 };
  it('stops the worst 20% (1 of 5)', () => {
    expect(decide(p, 'minimize', 'loss', 'E', 1, c)).toMatchObject({ stop: true, rule: 'truncation-selection' });
    expect(decide(p, 'minimize', 'loss', 'D', 1, c).stop).toBe(false);
  });
  it('stops nobody while 20% of the trials is less than one trial (4 trials)', () => {
    const four = curves({ A: [0.5], B: [0.6], C: [0.7], D: [0.8] });
    expect(decide(p, 'minimize', 'loss', 'D', 1, four).stop).toBe(false);
  });
  it('maximizing stops the lowest', () => {
    expect(decide({ ...p, truncationPercentage: 40 }, 'maximize', 'acc', 'A', 1, c).stop).toBe(true);
    expect(decide({ ...p, truncationPercentage: 40 }, 'maximize', 'acc', 'B', 1, c).stop).toBe(true);
    expect(decide({ ...p, truncationPercentage: 40 }, 'maximize', 'acc', 'C', 1, c).stop).toBe(false);
  });
});

describe('ASHA', () => {
  const p = { policy: 'asha' as const, minEpochs: 1, reductionFactor: 3 };
  it('lets the first trial at a rung go on', () => {
    expect(decide(p, 'minimize', 'loss', 'A', 1, curves({ A: [0.9] })).stop).toBe(false);
  });
  it('at a rung, keeps the best floor(n / 3) (at least one) and stops the rest', () => {
    // rung 1 values: A 0.5, B 0.6, C 0.7 -> top 1: A. B and C are stopped.
    const c = curves({ A: [0.5], B: [0.6], C: [0.7] });
    expect(decide(p, 'minimize', 'loss', 'A', 1, c).stop).toBe(false);
    expect(decide(p, 'minimize', 'loss', 'B', 1, c)).toMatchObject({ stop: true, rule: 'asha' });
    // six at the rung -> top 2: A and F.
    const six = curves({ A: [0.5], B: [0.6], C: [0.7], D: [0.8], E: [0.9], F: [0.55] });
    expect(decide(p, 'minimize', 'loss', 'F', 1, six).stop).toBe(false);
    expect(decide(p, 'minimize', 'loss', 'B', 1, six).stop).toBe(true);
  });
  it('does nothing between rungs (epoch 2 with rungs 1, 3, 9)', () => {
    const c = curves({ A: [0.5, 0.4], B: [0.6, 0.9] });
    expect(decide(p, 'minimize', 'loss', 'B', 2, c).stop).toBe(false);
  });
});
