import { describe, expect, it } from 'vitest';
import { renderSvg } from '../render.js';
import { multiPassPlots, perHeightPlot } from './importance-passes.js';

const RESULT = {
  metric: 'kl_divergence',
  baseline: 0.1,
  rows: 100,
  multiPass: { forward: [{ feature: 'c', score: 0.6 }, { feature: 'a', score: 0.9 }], backward: [{ feature: 'a', score: 0.5 }, { feature: 'c', score: 0.1 }], backwardAllShuffled: 1.1 },
  heights: [5, 100, 1000],
  perHeight: [{ name: 'relative_humidity', values: [0.01, 0.05, 0] }],
};

describe('multi-pass and per-height importance plots', () => {
  it('draw one bar per pass after the unpermuted (forward) or all-shuffled (backward) score, with labelled axes', async () => {
    const [forward, backward] = multiPassPlots(RESULT);
    const labels = (p: typeof forward) => (p.spec as unknown as { data: { values: Array<{ label: string; score: number }> } }).data.values.map((v) => [v.label, v.score]);
    expect(labels(forward)).toEqual([['No permutation', 0.1], ['1. c', 0.6], ['2. a', 0.9]]);
    expect(labels(backward)).toEqual([['All shuffled', 1.1], ['1. a', 0.5], ['2. c', 0.1]]);
    const svg = await renderSvg(backward.spec);
    expect(svg).toContain('KL divergence of the test rows');
    expect(svg).toContain('Restored features (cumulative, in order chosen)');
  });

  it('draws per-height importance against height in metres, one line per profile feature', async () => {
    const plot = perHeightPlot(RESULT)!;
    const svg = await renderSvg(plot.spec);
    expect(svg).toContain('Height in atmosphere (m)');
    expect(svg).toContain('relative_humidity');
    expect(perHeightPlot({ ...RESULT, perHeight: undefined })).toBeUndefined();
  });
});
