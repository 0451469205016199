import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveSeed, PrdError, type ExplainInput, type ExplainOutcome, type TensorFile } from '@prd/core';
import { tf, tfl, type Device, type LayersModel } from '@prd/tensor';
import { inputsOf, openModel } from './model.js';
import { layerNamed, rewire } from './rewire.js';
import { readRowsAt, sampleRows, type Sample } from './sample.js';

/** Options of `saliency`. */
export interface SaliencyOptions {
  /** Layer whose output Grad-CAM weighs (the residual add of conv1d-residual). */
  layer: string;
  /** Test rows to explain with Grad-CAM; empty: the test row with the largest radar fraction in the top band with rain. */
  rows: number[];
  /** Test rows averaged for the input-gradient profiles. */
  gradientRows: number;
  /** Explain the pre-softmax scores (what the seed meant by removing the softmax) or the fractions. */
  output: 'logits' | 'probabilities';
  device: Device;
}

/**
 * Grad-CAM for one row and one output (seed-pipeline.md §9.3): the gradient of the output with respect to the
 * layer's activations, averaged over heights, weighs the activation channels; their weighted sum per height, with
 * negatives set to 0 and scaled to a maximum of 1, is the saliency per height level. Heights ascend from the
 * ground, and the report draws them that way up (the seed's imshow drew 5 m at the top).
 */
export function gradCam(trunk: LayersModel, head: LayersModel, inputs: tf.Tensor[], headExtra: tf.Tensor[], output: number): number[] {
  return tf.tidy(() => {
    const activations = trunk.predict(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor3D;
    const score = (a: tf.Tensor) => tf.sum(tf.slice(head.apply([a, ...headExtra], { training: false }) as tf.Tensor2D, [0, output], [1, 1]));
    const grads = tf.grad(score)(activations) as tf.Tensor3D;
    const weights = tf.mean(grads, [0, 1]) as tf.Tensor1D;
    const channels = weights.shape[0];
    const heat = tf.relu(tf.squeeze(tf.matMul(tf.squeeze(activations, [0]) as tf.Tensor2D, tf.reshape(weights, [channels, 1]))));
    const values = Array.from(heat.dataSync());
    const max = Math.max(...values);
    return max > 0 ? values.map((v) => v / max) : values.map(() => 0);
  });
}

/** Mean |d output_k / d input| per height and profile feature (and per single-level feature), over sample rows. */
export function inputGradients(model: LayersModel, sample: Sample, outputs: number, batchSize = 256): { profile: number[][][]; single: number[][] } {
  const { heights: h, profileFeatures: f, singleLevel: s } = sample;
  const profile = Array.from({ length: outputs }, () => new Float64Array(h * f));
  const single = Array.from({ length: outputs }, () => new Float64Array(s));
  const profileIndex = model.inputNames.findIndex((n) => !n.startsWith('surf'));
  for (let start = 0; start < sample.size; start += batchSize) {
    const count = Math.min(batchSize, sample.size - start);
    for (let k = 0; k < outputs; k++) {
      tf.tidy(() => {
        const inputs = inputsOf(model, sample, sample.profile, sample.single, start, count);
        const score = (...xs: tf.Tensor[]) => tf.sum(tf.slice(model.apply(xs.length === 1 ? xs[0] : xs, { training: false }) as tf.Tensor2D, [0, k], [count, 1]));
        const grads = tf.grads(score)(inputs);
        const add = (grad: tf.Tensor, into: Float64Array, width: number) => {
          const g = tf.sum(tf.abs(grad), 0).dataSync();
          for (let i = 0; i < width; i++) into[i] += g[i];
        };
        grads.forEach((g, i) => (i === profileIndex ? add(g, profile[k], h * f) : add(g, single[k], s)));
      });
    }
  }
  const perHeight = (values: Float64Array) => Array.from({ length: h }, (_, i) => Array.from({ length: f }, (_, j) => values[i * f + j] / sample.size));
  return { profile: profile.map(perHeight), single: single.map((v) => Array.from(v, (x) => x / sample.size)) };
}

/**
 * The row the seed explained: `np.argmax` of the top band's radar fraction over the whole test set (first row on
 * ties, §9.3); when that band has no rain anywhere (the seed then took row 0), the next band down that has some.
 */
export function seedRow(sample: Pick<Sample, 'size' | 'outputs' | 'target'>): { index: number; band: number } {
  const best = bestPerBand(sample, 0);
  for (let band = sample.outputs - 1; band >= 0; band--) if (best[band].index >= 0) return { index: best[band].index, band };
  return { index: 0, band: 0 };
}

/** Per band, the first row with the largest target above 0 (index -1 when none), rows numbered from `offset`. */
function bestPerBand(sample: Pick<Sample, 'size' | 'outputs' | 'target'>, offset: number, into?: Array<{ index: number; value: number }>) {
  const best = into ?? Array.from({ length: sample.outputs }, () => ({ index: -1, value: 0 }));
  for (let i = 0; i < sample.size; i++) {
    for (let band = 0; band < sample.outputs; band++) {
      const t = sample.target[i * sample.outputs + band];
      if (t > best[band].value) best[band] = { index: offset + i, value: t };
    }
  }
  return best;
}

/** {@link seedRow} over every row of a tensor file, read block by block. */
export function seedRowOfFile(file: TensorFile): { row: number; band: number } {
  const { heights, profileFeatures, singleLevel, outputs } = file.header;
  const offsetOfTarget = heights * profileFeatures + singleLevel;
  let best: Array<{ index: number; value: number }> | undefined;
  const block = 16_384;
  for (let start = 0; start < file.rows; start += block) {
    const count = Math.min(block, file.rows - start);
    const data = file.readRows(start, count);
    const target = new Float32Array(count * outputs);
    for (let i = 0; i < count; i++) target.set(data.subarray(i * file.width + offsetOfTarget, (i + 1) * file.width), i * outputs);
    best = bestPerBand({ size: count, outputs, target }, start, best);
  }
  for (let band = outputs - 1; band >= 0; band--) if (best && best[band].index >= 0) return { row: best[band].index, band };
  return { row: 0, band: 0 };
}

/** Grad-CAM profiles of chosen rows and mean input-gradient profiles, written to `saliency.json`. */
export async function saliency(input: ExplainInput, options: SaliencyOptions, runSeed: number, pointer: string): Promise<ExplainOutcome> {
  const model = await openModel(input.modelDir, options.device);
  const created: LayersModel[] = [];
  try {
    const layer = layerNamed(model, options.layer, `${pointer}/with/layer`);
    const trunk = tfl.model({ inputs: model.inputs, outputs: layer.inboundNodes[0].outputTensors[0] });
    const head = rewire(model, { cut: layer, logits: options.output === 'logits' });
    const scores = options.output === 'logits' ? rewire(model, { logits: true }) : model;
    created.push(head, ...(scores === model ? [] : [scores]));
    const bands = input.features.bands.map((b) => b.key);
    const outputs = input.shape.outputs;
    const labels = bands.length === outputs ? bands : Array.from({ length: outputs }, (_, i) => String(i));

    const gradientSample = sampleRows(input.test, options.gradientRows, deriveSeed(runSeed, 'saliency'));
    let picks: Array<{ row: number; reason: string; sample: Sample; index: number }>;
    if (options.rows.length > 0) {
      const bad = options.rows.filter((r) => r < 0 || r >= input.test.rows || !Number.isInteger(r));
      if (bad.length) throw new PrdError(`"saliency": rows ${bad.join(', ')} are not rows of the test split (0 to ${input.test.rows - 1})`, [{ pointer: `${pointer}/with/rows`, message: 'use row numbers of the test split' }]);
      const chosen = readRowsAt(input.test, options.rows);
      picks = chosen.rows.map((row, index) => ({ row, reason: 'chosen in the recipe', sample: chosen, index }));
    } else {
      const { row, band } = seedRowOfFile(input.test);
      picks = [{ row, reason: `largest radar fraction in band ${labels[band]} over the whole test set`, sample: readRowsAt(input.test, [row]), index: 0 }];
    }
    const samples = picks.map(({ row, reason, sample, index }) => {
      const inputs = inputsOf(model, sample, sample.profile, sample.single, index, 1);
      // The head reads the original inputs its branches still need (single-level skip connections), in its order.
      const extra = head.inputs.slice(1).map((symbolic) => inputs[model.inputs.indexOf(symbolic)]);
      try {
        const predicted = tf.tidy(() => Array.from((model.predict(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor).dataSync()));
        const gradCamValues = labels.map((band, k) => ({ band, values: gradCam(trunk, head, inputs, extra, k) }));
        const f = sample.profileFeatures;
        // The row's standardised profiles, heights ascending, drawn beside the saliency as the seed did.
        const profile = Array.from({ length: sample.heights }, (_, h) => Array.from(sample.profile.subarray((index * sample.heights + h) * f, (index * sample.heights + h + 1) * f)));
        return { row, reason, prediction: predicted, target: Array.from(sample.target.subarray(index * outputs, (index + 1) * outputs)), inputs: profile, gradCam: gradCamValues };
      } finally {
        inputs.forEach((t) => t.dispose());
      }
    });
    input.events.emit({ type: 'progress', step: 'explain', done: 1, total: 2, unit: 'saliency parts' });
    const gradients = inputGradients(scores, gradientSample, outputs);
    input.events.emit({ type: 'progress', step: 'explain', done: 2, total: 2, unit: 'saliency parts' });
    const result = {
      method: 'grad-cam',
      layer: options.layer,
      output: options.output,
      heights: input.features.heights,
      profileFeatures: input.features.profile.map((p) => p.name),
      singleLevelFeatures: input.features.singleLevel,
      samples,
      gradientRows: gradientSample.size,
      gradients: labels.map((band, k) => ({ band, values: gradients.profile[k] })),
      singleLevelGradients: labels.map((band, k) => ({ band, values: gradients.single[k] })),
    };
    writeFileSync(join(input.outDir, 'saliency.json'), `${JSON.stringify(result)}\n`);
    const peak = (values: number[]) => input.features.heights[values.indexOf(Math.max(...values))] ?? 0;
    return {
      summary: { rows: samples.length, peak_height_m: Object.fromEntries(samples[0].gradCam.map((g) => [g.band, peak(g.values)])) },
      files: ['saliency.json'],
    };
  } finally {
    // The rewired models share the model's layers; only the logits copies hold weights of their own.
    for (const m of created) for (const l of m.layers) if (l.name.endsWith('_logits')) l.dispose();
    model.dispose();
  }
}
