import type { SeededRandom } from '@prd/core';
import type { Sample } from './sample.js';

/** A feature the explainers can permute: a whole profile variable (every height) or a single-level column. */
export interface PermutableFeature {
  name: string;
  kind: 'profile' | 'single-level';
  index: number;
}

/** Score the model on inputs (lower is better: KL divergence, MAE). */
export type Scorer = (profile: Float32Array, single: Float32Array) => number;

/** One step of a multi-pass ranking: the feature chosen and the score once it is (forward) or is no longer (backward) permuted. */
export interface PassStep {
  feature: string;
  kind: 'profile' | 'single-level';
  score: number;
}

/** Inputs with each listed feature shuffled across rows by its own row order; the sample itself is untouched. */
export function withPermuted(sample: Sample, permuted: ReadonlyArray<{ feature: PermutableFeature; order: number[] }>): { profile: Float32Array; single: Float32Array } {
  const { heights, profileFeatures: f, singleLevel: s } = sample;
  const profile = permuted.some((p) => p.feature.kind === 'profile') ? sample.profile.slice() : sample.profile;
  const single = permuted.some((p) => p.feature.kind === 'single-level') ? sample.single.slice() : sample.single;
  for (const { feature, order } of permuted) {
    for (let i = 0; i < sample.size; i++) {
      const from = order[i];
      if (feature.kind === 'profile') {
        for (let h = 0; h < heights; h++) profile[(i * heights + h) * f + feature.index] = sample.profile[(from * heights + h) * f + feature.index];
      } else {
        single[i * s + feature.index] = sample.single[from * s + feature.index];
      }
    }
  }
  return { profile, single };
}

function shuffled(size: number, random: SeededRandom): number[] {
  const order = Array.from({ length: size }, (_, i) => i);
  random.shuffle(order);
  return order;
}

/**
 * Lakshmanan et al. (2015) multi-pass permutation importance, forward: at each pass, shuffle every feature not yet
 * chosen on top of those already chosen (which stay shuffled), take the one that worsens the score most, and keep
 * it shuffled. Each candidate's score is the mean over `repeats` shuffles; the chosen feature keeps its first.
 * The seed's loop (§9.2) permuted a fresh copy in every pass, so it was not cumulative; this one is.
 */
export function forwardMultiPass(sample: Sample, features: PermutableFeature[], score: Scorer, repeats: number, random: SeededRandom, onStep?: () => void): PassStep[] {
  const fixed: Array<{ feature: PermutableFeature; order: number[] }> = [];
  const steps: PassStep[] = [];
  let remaining = [...features];
  while (remaining.length > 0) {
    let best: { feature: PermutableFeature; order: number[]; score: number } | undefined;
    for (const feature of remaining) {
      let total = 0;
      let first: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const order = shuffled(sample.size, random);
        if (r === 0) first = order;
        const x = withPermuted(sample, [...fixed, { feature, order }]);
        total += score(x.profile, x.single);
        onStep?.();
      }
      const mean = total / repeats;
      if (!best || mean > best.score) best = { feature, order: first, score: mean };
    }
    fixed.push({ feature: best!.feature, order: best!.order });
    steps.push({ feature: best!.feature.name, kind: best!.feature.kind, score: best!.score });
    remaining = remaining.filter((f) => f !== best!.feature);
  }
  return steps;
}

/**
 * Multi-pass permutation importance, backward: start with every feature shuffled, and at each pass restore the
 * feature whose true values improve the score most. Of two features that carry the same information, restoring
 * either gives the information back, so one of them is found first and the other last; the forward passes (and
 * single-pass importance) cannot see that, since shuffling one copy leaves the other.
 */
export function backwardMultiPass(sample: Sample, features: PermutableFeature[], score: Scorer, random: SeededRandom, onStep?: () => void): { allShuffled: number; steps: PassStep[] } {
  let permuted = features.map((feature) => ({ feature, order: shuffled(sample.size, random) }));
  const all = withPermuted(sample, permuted);
  const allShuffled = score(all.profile, all.single);
  const steps: PassStep[] = [];
  while (permuted.length > 0) {
    let best: { feature: PermutableFeature; score: number } | undefined;
    for (const { feature } of permuted) {
      const x = withPermuted(sample, permuted.filter((p) => p.feature !== feature));
      const s = score(x.profile, x.single);
      onStep?.();
      if (!best || s < best.score) best = { feature, score: s };
    }
    steps.push({ feature: best!.feature.name, kind: best!.feature.kind, score: best!.score });
    permuted = permuted.filter((p) => p.feature !== best!.feature);
  }
  return { allShuffled, steps };
}

/** One profile feature's importance per height level: the score increase when only that level is shuffled. */
export interface HeightImportance {
  name: string;
  /** Mean increase of the score per height, heights ascending. */
  values: number[];
}

/**
 * Per-height permutation importance (the seed's `prd_feature_importance_demo`, §9.2): shuffle one profile feature
 * at one height level across rows, leaving every other level and feature, and record the score increase; the mean
 * over `repeats` shuffles (the seed shuffled once).
 */
export function perHeightImportance(sample: Sample, features: PermutableFeature[], score: Scorer, baseline: number, repeats: number, random: SeededRandom, onStep?: () => void): HeightImportance[] {
  const { heights, profileFeatures: f } = sample;
  return features
    .filter((feature) => feature.kind === 'profile')
    .map((feature) => {
      const values = Array.from({ length: heights }, (_, h) => {
        let total = 0;
        for (let r = 0; r < repeats; r++) {
          const order = shuffled(sample.size, random);
          const profile = sample.profile.slice();
          for (let i = 0; i < sample.size; i++) profile[(i * heights + h) * f + feature.index] = sample.profile[(order[i] * heights + h) * f + feature.index];
          total += score(profile, sample.single) - baseline;
          onStep?.();
        }
        return total / repeats;
      });
      return { name: feature.name, values };
    });
}
