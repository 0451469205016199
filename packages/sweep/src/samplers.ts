import { deriveSeed, PrdError, SeededRandom } from '@prd/core';
import type { Distribution, Sampling } from './schema.js';
import { SobolSequence } from './sobol.js';
import { finiteValues, fromUnit, isCategorical, type Params } from './space.js';
import { tpePropose, type Axis, type Observation } from './tpe.js';

/** A trial's draw: its values, and where it sits in the unit cube (what model-based sampling learns from). */
export interface Draw {
  params: Params;
  unit: number[];
}

/**
 * Draws trial values. `draw(index, observations)` is deterministic for a given seed, index and (for TPE)
 * observations, so a resumed sweep draws the same values for the trials it had not started.
 */
export interface Sampler {
  /** Trials this sampler can give at most (grid), or undefined when unbounded. */
  readonly size?: number;
  /** Whether draws learn from observations (TPE): then trial k sees exactly trials 1..k-c (c the concurrency). */
  readonly adaptive?: boolean;
  draw(index: number, observations: Observation[]): Draw | undefined;
}

/** The searched paths in a fixed order (the order of the recipe), with their distributions. */
export type Space = Array<[path: string, distribution: Distribution]>;

function toParams(space: Space, unit: number[]): Params {
  return Object.fromEntries(space.map(([path, d], i) => [path, fromUnit(d, unit[i])]));
}

/** Independent draws: trial i uses its own stream derived from the seed, so draws do not depend on order. */
export function randomSampler(space: Space, seed: number): Sampler {
  return {
    draw(index) {
      const random = new SeededRandom(deriveSeed(seed, `random:${index}`));
      const unit = space.map(() => random.next());
      return { params: toParams(space, unit), unit };
    },
  };
}

/** Every combination of finite values, the last path varying fastest. */
export function gridSampler(space: Space): Sampler {
  const axes = space.map(([path, d]) => {
    const values = finiteValues(d);
    if (!values) throw new PrdError(`grid sampling needs finite values, but "${path}" is ${d.distribution}: use choice, randint or quniform, or another sampling method`);
    return values;
  });
  const size = axes.reduce((n, a) => n * a.length, 1);
  return {
    size,
    draw(index) {
      if (index >= size) return undefined;
      const params: Params = {};
      const unit: number[] = [];
      let rest = index;
      for (let i = space.length - 1; i >= 0; i--) {
        const k = rest % axes[i].length;
        rest = Math.floor(rest / axes[i].length);
        params[space[i][0]] = axes[i][k];
        unit[i] = (k + 0.5) / axes[i].length;
      }
      return { params: Object.fromEntries(space.map(([p]) => [p, params[p]])), unit };
    },
  };
}

/** Points of a seeded, scrambled Sobol sequence. */
export function sobolSampler(space: Space, seed: number): Sampler {
  const sequence = new SobolSequence(space.length, seed);
  return {
    draw(index) {
      const unit = sequence.point(index);
      return { params: toParams(space, unit), unit };
    },
  };
}

/** TPE: random for the first `startupTrials`, then proposals from the finished trials. */
export function tpeSampler(space: Space, seed: number, startupTrials = 5, candidates = 24): Sampler {
  const axes: Axis[] = space.map(([, d]) => (isCategorical(d) ? { kind: 'categorical', n: (d as { values: unknown[] }).values.length } : { kind: 'continuous' }));
  const random = randomSampler(space, seed);
  return {
    adaptive: true,
    draw(index, observations) {
      if (index < startupTrials || observations.length === 0) return random.draw(index, observations);
      const unit = tpePropose(axes, observations, candidates, new SeededRandom(deriveSeed(seed, `tpe:${index}`)));
      return { params: toParams(space, unit), unit };
    },
  };
}

/** The sampler a sweep's `sampling` asks for. */
export function createSampler(sampling: Sampling | undefined, space: Space, seed: number): Sampler {
  const s = sampling ?? { method: 'random' };
  switch (s.method) {
    case 'random':
      return randomSampler(space, seed);
    case 'grid':
      return gridSampler(space);
    case 'sobol':
      return sobolSampler(space, seed);
    case 'tpe':
      return tpeSampler(space, seed, s.startupTrials ?? 5, s.candidates ?? 24);
  }
}
