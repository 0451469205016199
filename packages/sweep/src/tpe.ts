import type { SeededRandom } from '@prd/core';

/** A finished (or stopped) trial as the model-based sampler sees it: its unit point and a loss (lower is better). */
export interface Observation {
  unit: number[];
  loss: number;
}

/** How one dimension is modelled: an ordered axis in [0, 1), or `n` categories. */
export type Axis = { kind: 'continuous' } | { kind: 'categorical'; n: number };

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 (absolute error below 1.5e-7), enough for kernel masses.
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

const phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));

/** A Parzen estimator on [0, 1]: the uniform prior plus one truncated Gaussian per observed point. */
class Parzen {
  private readonly sigmas: number[];
  private readonly masses: number[];

  constructor(private readonly points: number[]) {
    const sorted = [...points].sort((a, b) => a - b);
    const edges = [0, ...sorted, 1];
    // hyperopt's rule: each kernel as wide as the larger gap to its neighbours, within sensible bounds.
    this.sigmas = points.map((p) => {
      const i = sorted.indexOf(p) + 1;
      const gap = Math.max(edges[i] - edges[i - 1], edges[i + 1] - edges[i]);
      return Math.min(Math.max(gap, 0.05), 1);
    });
    this.masses = points.map((p, i) => Math.max(phi((1 - p) / this.sigmas[i]) - phi(-p / this.sigmas[i]), 1e-12));
  }

  /** Density at x. */
  density(x: number): number {
    let sum = 1; // the prior's density on [0, 1]
    for (let i = 0; i < this.points.length; i++) {
      const z = (x - this.points[i]) / this.sigmas[i];
      sum += Math.exp(-0.5 * z * z) / (this.sigmas[i] * Math.sqrt(2 * Math.PI) * this.masses[i]);
    }
    return sum / (this.points.length + 1);
  }

  /** A draw from the mixture. */
  sample(random: SeededRandom): number {
    const k = random.int(this.points.length + 1);
    if (k === this.points.length) return random.next();
    for (let tries = 0; tries < 32; tries++) {
      const x = this.points[k] + this.sigmas[k] * random.normal();
      if (x >= 0 && x < 1) return x;
    }
    return Math.min(Math.max(this.points[k], 0), 1 - 1e-9);
  }
}

/** Category probabilities with a one-count prior per category. */
function categorical(points: number[], n: number): number[] {
  const counts = new Array<number>(n).fill(1);
  for (const p of points) counts[Math.min(n - 1, Math.floor(p * n))] += 1;
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

/** How many of `n` observations count as good: a quarter, at least one, at most 25 (as hyperopt and Optuna). */
export function goodCount(n: number): number {
  return Math.min(25, Math.max(1, Math.ceil(0.25 * n)));
}

/**
 * Propose the next unit point with the tree-structured Parzen estimator: split the observations into good and
 * bad by loss, model each dimension's density among good and bad, draw `candidates` from the good model and keep
 * the one with the highest ratio good / bad (independent per dimension, as Optuna's default).
 */
export function tpePropose(axes: Axis[], observations: Observation[], candidates: number, random: SeededRandom): number[] {
  const sorted = [...observations].sort((a, b) => a.loss - b.loss);
  const nGood = goodCount(sorted.length);
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  return axes.map((axis, d) => {
    const goodPoints = good.map((o) => o.unit[d]);
    const badPoints = bad.map((o) => o.unit[d]);
    if (axis.kind === 'categorical') {
      const l = categorical(goodPoints, axis.n);
      const g = categorical(badPoints, axis.n);
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < candidates; c++) {
        let r = random.next();
        let k = 0;
        while (k < axis.n - 1 && r >= l[k]) r -= l[k++];
        const score = Math.log(l[k]) - Math.log(g[k]);
        if (score > bestScore) [best, bestScore] = [k, score];
      }
      return (best + 0.5) / axis.n;
    }
    const l = new Parzen(goodPoints);
    const g = new Parzen(badPoints);
    let best = 0.5;
    let bestScore = -Infinity;
    for (let c = 0; c < candidates; c++) {
      const x = l.sample(random);
      const score = Math.log(l.density(x)) - Math.log(g.density(x));
      if (score > bestScore) [best, bestScore] = [x, score];
    }
    return best;
  });
}
