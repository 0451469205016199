import { describe, expect, it } from 'vitest';
import { keyScores } from './scores.js';

describe('keyScores', () => {
  it('lists the test split: scalar scores, then one banded score in threshold order, without empty thresholds', () => {
    const metrics = {
      validation: { kl_divergence: { ml: 9, nwp: 9 } },
      test: {
        fss: { '4': { ml: 0.5, nwp: 0.1 }, '10': { ml: 0.2, nwp: null }, '220': { ml: null, nwp: null }, '0.01': { ml: 0.9, nwp: 0.8 } },
        frequency_bias: { '4': { ml: 1, nwp: 2 } },
        kl_divergence: { ml: 0.162, nwp: 2.29 },
      },
    };
    expect(keyScores(metrics)).toEqual([
      'test scores:',
      '  kl_divergence  ML 0.1620   NWP 2.2900',
      '  fss > 0.01     ML 0.9000   NWP 0.8000',
      '  fss > 4        ML 0.5000   NWP 0.1000',
      '  fss > 10       ML 0.2000   NWP n/a',
    ]);
  });

  it('says nothing when there are no scores', () => {
    expect(keyScores({})).toEqual([]);
  });
});
