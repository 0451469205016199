import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveSeed, PrdError, SeededRandom, type ExplainInput, type ExplainOutcome } from '@prd/core';
import type { Device } from '@prd/tensor';
import { openModel, predictSample } from './model.js';
import { backwardMultiPass, forwardMultiPass, perHeightImportance, type PassStep } from './multipass.js';
import { binaryCrossentropy, klDivergence, meanAbsoluteError, meanStd, sampleRows, type Sample } from './sample.js';

/** Options of `permutation-importance`. */
export interface PermutationOptions {
  repeats: number;
  maxRows: number;
  seed?: number;
  /** Lakshmanan multi-pass rankings to add to the single-pass one. */
  multiPass: 'none' | 'forward' | 'backward' | 'both';
  /** Also shuffle each profile feature one height level at a time. */
  perHeight: boolean;
  device: Device;
}

/** One feature's importance: the increase of the KL divergence over the repeats. */
export interface FeatureImportance {
  name: string;
  kind: 'profile' | 'single-level';
  mean: number;
  std: number;
  values: number[];
}

/** Shuffle one whole profile feature (every height together) across rows, as the seed does (seed-pipeline.md §9.2). */
export function permuteProfileFeature(sample: Sample, feature: number, order: number[]): Float32Array {
  const { heights, profileFeatures: f } = sample;
  const out = sample.profile.slice();
  for (let i = 0; i < sample.size; i++) {
    const from = order[i];
    for (let h = 0; h < heights; h++) out[(i * heights + h) * f + feature] = sample.profile[(from * heights + h) * f + feature];
  }
  return out;
}

/** Shuffle one single-level feature across rows. */
export function permuteSingleFeature(sample: Sample, feature: number, order: number[]): Float32Array {
  const s = sample.singleLevel;
  const out = sample.single.slice();
  for (let i = 0; i < sample.size; i++) out[i * s + feature] = sample.single[order[i] * s + feature];
  return out;
}

/**
 * Breiman permutation importance as in the seed's `calculate_permutation_feature_importance`: for each feature and
 * repeat, shuffle it across rows, predict, and record KL divergence (MAE for a regression target) minus the
 * unshuffled one. Seeded (the seed's was not), so a run repeats exactly.
 */
export async function permutationImportance(input: ExplainInput, options: PermutationOptions, runSeed: number): Promise<ExplainOutcome> {
  // Band fractions are scored with the training loss (KL divergence); a regression target with the mean absolute
  // error, as the seed's legacy regression notebooks did.
  const metric = input.shape.task === 'bands' ? 'kl_divergence' : input.shape.task === 'binary' ? 'binary_crossentropy' : 'mae';
  const score = (target: Float32Array, predicted: Float32Array, outputs: number) =>
    metric === 'mae' ? meanAbsoluteError(target, predicted) : metric === 'binary_crossentropy' ? binaryCrossentropy(target, predicted) : klDivergence(target, predicted, outputs);
  const seed = options.seed ?? deriveSeed(runSeed, 'permutation-importance');
  const sample = sampleRows(input.test, options.maxRows, seed);
  if (sample.size < 2) throw new PrdError(`"permutation-importance" needs at least 2 test rows; the test split has ${sample.size}`);
  const model = await openModel(input.modelDir, options.device);
  try {
    const baseline = score(sample.target, predictSample(model, sample, sample.profile, sample.single), sample.outputs);
    const features = [
      ...input.features.profile.map((p, i) => ({ name: p.name, kind: 'profile' as const, index: i })),
      ...input.features.singleLevel.map((name, i) => ({ name, kind: 'single-level' as const, index: i })),
    ];
    const random = new SeededRandom(seed);
    const forward = options.multiPass === 'forward' || options.multiPass === 'both';
    const backward = options.multiPass === 'backward' || options.multiPass === 'both';
    const F = features.length;
    const profileCount = input.features.profile.length;
    const total =
      F * options.repeats + (forward ? ((F * (F + 1)) / 2) * options.repeats : 0) + (backward ? (F * (F + 1)) / 2 + 1 : 0) + (options.perHeight ? profileCount * sample.heights * options.repeats : 0);
    const started = Date.now();
    const results: FeatureImportance[] = [];
    for (const feature of features) {
      const values: number[] = [];
      for (let r = 0; r < options.repeats; r++) {
        if (input.signal.aborted) throw new PrdError('explanation cancelled');
        const order = Array.from({ length: sample.size }, (_, i) => i);
        random.shuffle(order);
        const profile = feature.kind === 'profile' ? permuteProfileFeature(sample, feature.index, order) : sample.profile;
        const single = feature.kind === 'single-level' ? permuteSingleFeature(sample, feature.index, order) : sample.single;
        values.push(score(sample.target, predictSample(model, sample, profile, single), sample.outputs) - baseline);
        const done = results.length * options.repeats + r + 1;
        input.events.emit({ type: 'progress', step: 'explain', done, total, unit: 'permutations', etaMs: ((Date.now() - started) / done) * (total - done) });
      }
      results.push({ name: feature.name, kind: feature.kind, ...meanStd(values), values });
    }
    results.sort((a, b) => b.mean - a.mean);
    let done = F * options.repeats;
    const tick = () => {
      if (input.signal.aborted) throw new PrdError('explanation cancelled');
      done++;
      input.events.emit({ type: 'progress', step: 'explain', done, total, unit: 'permutations', etaMs: ((Date.now() - started) / done) * (total - done) });
    };
    const scorer = (profile: Float32Array, single: Float32Array) => score(sample.target, predictSample(model, sample, profile, single), sample.outputs);
    const multiPass: { forward?: PassStep[]; backward?: PassStep[]; backwardAllShuffled?: number } = {};
    if (forward) multiPass.forward = forwardMultiPass(sample, features, scorer, options.repeats, random, tick);
    if (backward) {
      const passes = backwardMultiPass(sample, features, scorer, random, tick);
      [multiPass.backward, multiPass.backwardAllShuffled] = [passes.steps, passes.allShuffled];
    }
    const perHeight = options.perHeight ? perHeightImportance(sample, features, scorer, baseline, options.repeats, random, tick) : undefined;
    const file = 'importance.json';
    const result = {
      method: 'permutation',
      metric,
      baseline,
      repeats: options.repeats,
      rows: sample.size,
      seed,
      features: results,
      ...(forward || backward ? { multiPass } : {}),
      ...(perHeight ? { heights: input.features.heights, perHeight } : {}),
    };
    writeFileSync(join(input.outDir, file), `${JSON.stringify(result, null, 2)}\n`);
    const order = (steps: PassStep[] | undefined) => (steps ? Object.fromEntries(steps.map((s, i) => [s.feature, i + 1])) : undefined);
    return {
      summary: {
        [`baseline_${metric}`]: baseline,
        importance: Object.fromEntries(results.map((r) => [r.name, r.mean])),
        ...(multiPass.forward ? { multipass_forward_rank: order(multiPass.forward) } : {}),
        ...(multiPass.backward ? { multipass_backward_rank: order(multiPass.backward) } : {}),
      },
      files: [file],
    };
  } finally {
    model.dispose();
  }
}
