import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrdError, type ExplainInput, type ExplainOutcome } from '@prd/core';
import type { Device } from '@prd/tensor';
import { openModel } from './model.js';
import { layerNamed } from './rewire.js';

/** Options of `filters`. */
export interface FilterOptions {
  /** The Conv1D layer to draw; default the first one. */
  layer?: string;
  device: Device;
}

/**
 * First-layer filter pictures (seed-pipeline.md §9.1): the Conv1D kernel (kernel positions x input features x
 * filters), min-max normalised over all its weights to [0, 1] as the seed does, one picture per filter.
 */
export async function filterPictures(input: ExplainInput, options: FilterOptions, pointer: string): Promise<ExplainOutcome> {
  const model = await openModel(input.modelDir, options.device);
  try {
    const layer = options.layer ? layerNamed(model, options.layer, `${pointer}/with/layer`) : model.layers.find((l) => l.getClassName() === 'Conv1D');
    if (!layer || layer.getClassName() !== 'Conv1D') {
      throw new PrdError(`"filters" draws Conv1D kernels, and ${layer ? `layer "${layer.name}" is a ${layer.getClassName()}` : 'the model has no Conv1D layer'}`, [{ pointer, message: 'use a convolutional model or remove "filters"' }]);
    }
    const [kernel] = layer.getWeights();
    const [size, channels, count] = kernel.shape as [number, number, number];
    const weights = kernel.dataSync();
    let [min, max] = [Infinity, -Infinity];
    for (const w of weights) [min, max] = [Math.min(min, w), Math.max(max, w)];
    const scale = max > min ? 1 / (max - min) : 0;
    const filters = Array.from({ length: count }, (_, f) => Array.from({ length: size }, (_, k) => Array.from({ length: channels }, (_, c) => (weights[(k * channels + c) * count + f] - min) * scale)));
    const names = input.features.profile.map((p) => p.name);
    const features = names.length === channels ? names : Array.from({ length: channels }, (_, c) => `channel ${c}`);
    writeFileSync(join(input.outDir, 'filters.json'), `${JSON.stringify({ layer: layer.name, kernelSize: size, features, min, max, filters })}\n`);
    return { summary: { filters: count, kernel_size: size, weight_min: min, weight_max: max }, files: ['filters.json'] };
  } finally {
    model.dispose();
  }
}
