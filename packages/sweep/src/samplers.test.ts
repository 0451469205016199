import { describe, expect, it } from 'vitest';
import { normalQuantile } from './space.js';
import { createSampler, gridSampler, randomSampler, sobolSampler, tpeSampler, type Space } from './samplers.js';
import { SobolSequence } from './sobol.js';

const N = 4000;

/** Kolmogorov-Smirnov distance of a sample from a CDF. */
function ks(sample: number[], cdf: (x: number) => number): number {
  const sorted = [...sample].sort((a, b) => a - b);
  let d = 0;
  sorted.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / sorted.length), Math.abs(f - (i + 1) / sorted.length));
  });
  return d;
}
/** KS critical value at alpha = 0.001. */
const KS_CRIT = 1.95 / Math.sqrt(N);

/** Pearson chi-square of counts against equal expected counts. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

function draws(space: Space, seed = 7, n = N) {
  const sampler = randomSampler(space, seed);
  return Array.from({ length: n }, (_, i) => sampler.draw(i, [])!.params);
}

const normalCdf = (x: number) => {
  // numeric inverse of the tested quantile function is circular; use erf's series through bisection on normalQuantile
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 50; k++) {
    const mid = (lo + hi) / 2;
    if (normalQuantile(mid) < x) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
};

describe('random sampler distributions (seeded, statistical)', () => {
  it('uniform fills [min, max] evenly (KS test)', () => {
    const xs = draws([['a', { distribution: 'uniform', min: -2, max: 3 }]]).map((p) => p.a as number);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThan(3);
    expect(ks(xs, (x) => (x + 2) / 5)).toBeLessThan(KS_CRIT);
  });

  it('loguniform is uniform in log space', () => {
    const xs = draws([['lr', { distribution: 'loguniform', min: 1e-4, max: 1e-1 }]]).map((p) => p.lr as number);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...xs)).toBeLessThan(1e-1);
    expect(ks(xs.map(Math.log10), (x) => (x + 4) / 3)).toBeLessThan(KS_CRIT);
    // a third of the draws in each decade
    const decade = xs.filter((x) => x < 1e-3).length / N;
    expect(decade).toBeGreaterThan(0.3);
    expect(decade).toBeLessThan(0.37);
  });

  it('normal has the given mean and spread, and its CDF', () => {
    const xs = draws([['w', { distribution: 'normal', mu: 10, sigma: 2 }]]).map((p) => p.w as number);
    const mean = xs.reduce((a, b) => a + b, 0) / N;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1));
    expect(Math.abs(mean - 10)).toBeLessThan(4 * (2 / Math.sqrt(N)));
    expect(Math.abs(sd - 2)).toBeLessThan(0.1);
    expect(ks(xs, (x) => normalCdf((x - 10) / 2))).toBeLessThan(KS_CRIT);
  });

  it('normalQuantile matches known quantiles', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 8);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });

  it('choice picks every value equally often (chi-square)', () => {
    const values = [16, 32, 64, 128];
    const xs = draws([['b', { distribution: 'choice', values }]]).map((p) => p.b);
    const counts = values.map((v) => xs.filter((x) => x === v).length);
    // chi-square, 3 degrees of freedom, alpha 0.001: 16.27
    expect(chiSquare(counts)).toBeLessThan(16.27);
  });

  it('randint draws lower..upper-1 equally often', () => {
    const xs = draws([['k', { distribution: 'randint', lower: 2, upper: 7 }]]).map((p) => p.k as number);
    expect(new Set(xs)).toEqual(new Set([2, 3, 4, 5, 6]));
    const counts = [2, 3, 4, 5, 6].map((v) => xs.filter((x) => x === v).length);
    expect(chiSquare(counts)).toBeLessThan(18.47); // 4 d.o.f., alpha 0.001
  });

  it('quniform rounds to multiples of q, the ends half as likely as the inside', () => {
    const xs = draws([['u', { distribution: 'quniform', min: 0, max: 1, q: 0.25 }]]).map((p) => p.u as number);
    expect(new Set(xs)).toEqual(new Set([0, 0.25, 0.5, 0.75, 1]));
    const share = (v: number) => xs.filter((x) => x === v).length / N;
    expect(share(0)).toBeCloseTo(0.125, 1);
    expect(share(0.5)).toBeCloseTo(0.25, 1);
  });

  it('qloguniform gives multiples of q within the range, more of them small', () => {
    const xs = draws([['n', { distribution: 'qloguniform', min: 1, max: 1000, q: 1 }]]).map((p) => p.n as number);
    expect(xs.every((x) => Number.isInteger(x) && x >= 1 && x <= 1000)).toBe(true);
    expect(xs.filter((x) => x <= 32).length / N).toBeCloseTo(0.5, 1);
  });

  it('is reproducible: the same seed gives the same draws, another seed others', () => {
    const space: Space = [['lr', { distribution: 'loguniform', min: 1e-4, max: 1e-1 }], ['b', { distribution: 'choice', values: [32, 64] }]];
    expect(draws(space, 1, 20)).toEqual(draws(space, 1, 20));
    expect(draws(space, 1, 20)).not.toEqual(draws(space, 2, 20));
  });
});

describe('grid sampler', () => {
  it('walks every combination once, the last path fastest, then stops', () => {
    const grid = gridSampler([['a', { distribution: 'choice', values: ['x', 'y'] }], ['b', { distribution: 'randint', upper: 3 }]]);
    expect(grid.size).toBe(6);
    const all = Array.from({ length: 7 }, (_, i) => grid.draw(i, [])?.params);
    expect(all).toEqual([{ a: 'x', b: 0 }, { a: 'x', b: 1 }, { a: 'x', b: 2 }, { a: 'y', b: 0 }, { a: 'y', b: 1 }, { a: 'y', b: 2 }, undefined]);
  });

  it('refuses a continuous space', () => {
    expect(() => createSampler({ method: 'grid' }, [['lr', { distribution: 'uniform', min: 0, max: 1 }]], 1)).toThrow(/grid sampling needs finite values, but "lr" is uniform/);
  });
});

describe('sobol sampler', () => {
  it('puts one point in each of 2^k intervals of every dimension (stratification)', () => {
    const seq = new SobolSequence(6, 42);
    for (const k of [3, 5, 8]) {
      const n = 2 ** k;
      for (let d = 0; d < 6; d++) {
        const cells = new Set(Array.from({ length: n }, (_, i) => Math.floor(seq.point(i)[d] * n)));
        expect(cells.size).toBe(n);
      }
    }
  });

  it('covers pairs of dimensions evenly (each of 4x4 cells once in 16 points)', () => {
    const seq = new SobolSequence(4, 3);
    for (const [a, b] of [[0, 1], [1, 2], [2, 3]]) {
      const cells = new Set(Array.from({ length: 16 }, (_, i) => { const p = seq.point(i); return `${Math.floor(p[a] * 4)},${Math.floor(p[b] * 4)}`; }));
      expect(cells.size).toBe(16);
    }
  });

  it('is seeded: another seed gives another sequence, the same seed the same', () => {
    const space: Space = [['x', { distribution: 'uniform', min: 0, max: 1 }], ['y', { distribution: 'uniform', min: 0, max: 1 }]];
    const take = (seed: number) => Array.from({ length: 8 }, (_, i) => sobolSampler(space, seed).draw(i, [])!.params);
    expect(take(5)).toEqual(take(5));
    expect(take(5)).not.toEqual(take(6));
  });

  it('is more even than random draws (lower KS distance over 64 points)', () => {
    const space: Space = [['x', { distribution: 'uniform', min: 0, max: 1 }]];
    const sob = Array.from({ length: 64 }, (_, i) => sobolSampler(space, 9).draw(i, [])!.params.x as number);
    const rnd = Array.from({ length: 64 }, (_, i) => randomSampler(space, 9).draw(i, [])!.params.x as number);
    expect(ks(sob, (x) => x)).toBeLessThan(ks(rnd, (x) => x));
    expect(ks(sob, (x) => x)).toBeLessThan(1 / 32);
  });
});

describe('tpe sampler', () => {
  const space: Space = [['x', { distribution: 'uniform', min: -5, max: 5 }], ['c', { distribution: 'choice', values: ['bad', 'good', 'worse'] }]];
  const objective = (p: Record<string, unknown>) => ((p.x as number) - 2) ** 2 + (p.c === 'good' ? 0 : 20);

  function run(sampler: ReturnType<typeof tpeSampler>, n: number) {
    const obs: Array<{ unit: number[]; loss: number }> = [];
    const params: Array<Record<string, unknown>> = [];
    for (let i = 0; i < n; i++) {
      const d = sampler.draw(i, obs)!;
      obs.push({ unit: d.unit, loss: objective(d.params) });
      params.push(d.params);
    }
    return { obs, params };
  }

  it('draws near the optimum more often than random sampling does (seeded)', () => {
    const tpeLate = run(tpeSampler(space, 11, 10), 60).params.slice(30);
    const randLate = Array.from({ length: 30 }, (_, i) => randomSampler(space, 11).draw(30 + i, [])!.params);
    const mean = (ps: Array<Record<string, unknown>>) => ps.reduce((s, p) => s + objective(p), 0) / ps.length;
    expect(mean(tpeLate)).toBeLessThan(mean(randLate) / 2);
    expect(tpeLate.filter((p) => p.c === 'good').length).toBeGreaterThan(15);
  });

  it('is reproducible for the same seed and observations', () => {
    expect(run(tpeSampler(space, 3, 5), 20).params).toEqual(run(tpeSampler(space, 3, 5), 20).params);
  });
});
