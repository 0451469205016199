import type { ModelShape } from '@prd/core';
import { tfl, type LayersModel, type SymbolicTensor } from '@prd/tensor';
import type { MlpConfig } from './options.js';
import { l2Kernel, seededKernel } from './init.js';


/** A plain multi-layer perceptron on the flattened profile (and single-level values): a baseline for the CNN. */
export function buildMlp(shape: ModelShape, options: MlpConfig, seed: number): LayersModel {
  const profileInput = tfl.input({ shape: [shape.heights, shape.profileFeatures], name: 'profile_input' });
  const inputs = [profileInput];
  let x = tfl.layers.flatten({ name: 'flatten' }).apply(profileInput) as SymbolicTensor;
  if (shape.singleLevel > 0) {
    const surfInput = tfl.input({ shape: [shape.singleLevel], name: 'surf_input' });
    inputs.push(surfInput);
    x = tfl.layers.concatenate({ name: 'concatenate' }).apply([x, surfInput]) as SymbolicTensor;
  }
  options.hiddenUnits.forEach((units, i) => {
    const name = `dense_${i + 1}`;
    x = tfl.layers.dense({ name, units, activation: options.activation, kernelInitializer: seededKernel(seed, name), kernelRegularizer: l2Kernel(options.l2) }).apply(x) as SymbolicTensor;
    if (options.dropout > 0) x = tfl.layers.dropout({ name: `dropout_${i + 1}`, rate: options.dropout, seed: seed + i }).apply(x) as SymbolicTensor;
  });
  const output = tfl.layers
    .dense({ name: 'main_output', units: shape.outputs, activation: shape.task === 'bands' ? 'softmax' : shape.task === 'binary' ? 'sigmoid' : 'linear', kernelInitializer: seededKernel(seed, 'main_output') })
    .apply(x) as SymbolicTensor;
  return tfl.model({ name: 'mlp', inputs, outputs: output });
}
