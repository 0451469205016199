import { describe, expect, it } from 'vitest';
import { maxDifference } from './verification.js';

describe('verification suite', () => {
  it('compares every aggregation, threshold and side, skipping the ones asked, and names one-sided values', () => {
    const reference = {
      members: { '0.01': { ml: 0.9, nwp: 0.8 }, '4': { ml: 0.5, nwp: null }, '220': { ml: 0.28, nwp: 0.11 } },
      control: { '0.01': { ml: 0.7, nwp: 0.6 }, '4': { ml: null, nwp: null }, '220': { ml: 0, nwp: 0 } },
    };
    const prd = {
      members: { '0.01': { ml: 0.9 + 1e-12, nwp: 0.8 }, '4': { ml: 0.5 - 3e-13, nwp: null }, '220': { ml: null, nwp: null } },
      control: { '0.01': { ml: 0.7, nwp: 0.6 }, '4': { ml: 0.1, nwp: null }, '220': { ml: null, nwp: null } },
    };
    const result = maxDifference(prd, reference, ['220']);
    expect(result.max).toBeCloseTo(1e-12, 15);
    expect(result.compared).toBe(5);
    expect(result.mismatched).toEqual(['control/4/ml']);
    expect(maxDifference(prd, reference).mismatched).toContain('members/220/ml');
  });
});
