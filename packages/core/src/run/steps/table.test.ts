import { describe, expect, it } from 'vitest';
import type { StepOutputs } from '../graph.js';
import { STEP_NAMES, STEPS } from './table.js';

describe('the step table', () => {
  it('declares every step once, in an order where each step reads only steps before it', () => {
    const all: Record<keyof StepOutputs, true> = { load: true, transform: true, split: true, rebalance: true, scale: true, train: true, predict: true, evaluate: true, explain: true, report: true };
    expect([...STEP_NAMES].sort()).toEqual(Object.keys(all).sort());
    expect(new Set(STEP_NAMES).size).toBe(STEPS.length);
    STEPS.forEach((step, i) => {
      for (const read of step.reads) expect(STEP_NAMES.indexOf(read), `${step.name} reads ${read}`).toBeLessThan(i);
    });
  });

  it('caches every step that writes files, and only plain steps are planned by running them', () => {
    expect(STEPS.filter((s) => !s.cached).map((s) => s.name)).toEqual(['load', 'transform', 'report']);
    expect(STEPS.filter((s) => s.plannable).map((s) => s.name)).toEqual(['load', 'transform']);
  });
});
