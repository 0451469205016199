import { describe, expect, it } from 'vitest';
import { banditStops, trialValues } from './sweep-rules.js';
import { trialCommand } from './sweep-jobs.js';

describe('the test plane draws sweep trials as the service', () => {
  it('enumerates a grid with the last name varying fastest, up to maxTotalTrials', () => {
    const grid = trialValues({ a: ['choice', [[1, 2]]], b: ['choice', [['x', 'y', 'z']]] }, { samplingAlgorithmType: 'Grid' }, 4);
    expect(grid).toEqual([{ a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 1, b: 'z' }, { a: 2, b: 'x' }]);
  });

  it('draws random values from the seed, within their distributions (loguniform takes the bounds of the log)', () => {
    const space = { lr: ['loguniform', [Math.log(1e-3), Math.log(1e-1)]], bs: ['choice', [[32, 64]]], k: ['randint', [3]] } as const;
    const a = trialValues(structuredClone(space) as never, { samplingAlgorithmType: 'Random', seed: 5 }, 50);
    expect(trialValues(structuredClone(space) as never, { samplingAlgorithmType: 'Random', seed: 5 }, 50)).toEqual(a);
    expect(trialValues(structuredClone(space) as never, { samplingAlgorithmType: 'Random', seed: 6 }, 50)).not.toEqual(a);
    for (const t of a) {
      expect(t.lr).toBeGreaterThanOrEqual(1e-3);
      expect(t.lr).toBeLessThanOrEqual(1e-1);
      expect([32, 64]).toContain(t.bs);
      expect([0, 1, 2]).toContain(t.k);
    }
    expect(new Set(a.map((t) => t.bs)).size).toBe(2);
  });

  it('refuses what it cannot run', () => {
    expect(() => trialValues({ a: ['uniform', [0, 1]] }, { samplingAlgorithmType: 'Grid' }, 2)).toThrow('Grid sampling supports choice only');
    expect(() => trialValues({ a: ['uniform', [0, 1]] }, { samplingAlgorithmType: 'Bayesian' }, 2)).toThrow('does not run Bayesian');
  });

  it('puts the values into the trial command', () => {
    expect(trialCommand("prd worker job.json --set 'train.lr=${{search_space.train_lr}}' --set 'x=${{search_space.nope}}'", { train_lr: 0.01 })).toBe("prd worker job.json --set 'train.lr=0.01' --set 'x=${{search_space.nope}}'");
  });
});

describe('Bandit policy (hand-worked)', () => {
  const policy = { policyType: 'Bandit', slackFactor: 0.1, evaluationInterval: 2 };
  it('minimize, slack factor 0.1: best 1.0 at step 2 allows up to 1.1', () => {
    expect(banditStops(policy, 'Minimize', 2, 1.09, [1.0])).toBe(false);
    expect(banditStops(policy, 'Minimize', 2, 1.11, [1.0])).toBe(true);
    // only at multiples of the interval, and never past the delay or alone
    expect(banditStops(policy, 'Minimize', 3, 5, [1.0])).toBe(false);
    expect(banditStops({ ...policy, delayEvaluation: 2 }, 'Minimize', 2, 5, [1.0])).toBe(false);
    expect(banditStops(policy, 'Minimize', 2, 5, [])).toBe(false);
  });
  it('maximize with a slack amount: best 0.8, amount 0.1 stops below 0.7', () => {
    const amount = { policyType: 'Bandit', slackAmount: 0.1, evaluationInterval: 1 };
    expect(banditStops(amount, 'Maximize', 1, 0.71, [0.8])).toBe(false);
    expect(banditStops(amount, 'Maximize', 1, 0.69, [0.8])).toBe(true);
    expect(banditStops({ policyType: 'MedianStopping' }, 'Maximize', 1, 0, [0.8])).toBe(false);
  });
});
