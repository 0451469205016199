import type { ModelShape } from '@prd/core';
import { tfl, type LayersModel, type SymbolicTensor } from '@prd/tensor';
import type { Conv1dResidualConfig } from './options.js';
import { l2Kernel, seededKernel } from './init.js';


/**
 * The seed's residual 1-D CNN (`prd_pipeline.build_model`): Conv1D x3 (no bias, relu, "same" padding, equal to
 * the seed's ZeroPadding1D(1) + valid Conv1D for kernel 3) with the first layer's output added to the last's,
 * Flatten, Dense(heights x features, no bias); with single-level inputs a skip connection from the raw inputs
 * and two Dense(1024) layers; softmax over bands or a linear regression output. `l2` regularises the Dense
 * layer's kernel, as fraction_model_dev.ipynb did (seed-pipeline.md §5.4). Layer names are fixed
 * (`conv1d`, `conv1d_1`, `conv1d_2`, `add`, `flatten`, `dense`, `main_output`) so explainers can find them.
 */
export function buildConv1dResidual(shape: ModelShape, options: Conv1dResidualConfig, seed: number): LayersModel {
  const { heights, profileFeatures, singleLevel, outputs } = shape;
  const act = options.activation;
  const profileInput = tfl.input({ shape: [heights, profileFeatures], name: 'profile_input' });
  const conv = (index: number, input: SymbolicTensor): SymbolicTensor => {
    const name = index === 0 ? 'conv1d' : `conv1d_${index}`;
    return tfl.layers
      .conv1d({ name, filters: options.filters, kernelSize: options.kernelSize, padding: 'same', useBias: options.convBias ?? false, activation: act, kernelInitializer: seededKernel(seed, name) })
      .apply(input) as SymbolicTensor;
  };
  let out = conv(0, profileInput);
  if ((options.convDropout ?? 0) > 0) out = tfl.layers.dropout({ name: 'dropout_conv1d', rate: options.convDropout ?? 0, seed: seed + 1 }).apply(out) as SymbolicTensor;
  const identity = out;
  for (let i = 1; i < options.convLayers; i++) out = conv(i, out);
  const added = tfl.layers.add({ name: 'add' }).apply([out, identity]) as SymbolicTensor;
  const flat = tfl.layers.flatten({ name: 'flatten' }).apply(added) as SymbolicTensor;
  const denseUnits = options.denseUnits ?? heights * profileFeatures;
  let x = tfl.layers.dense({ name: 'dense', units: denseUnits, useBias: false, activation: act, kernelInitializer: seededKernel(seed, 'dense'), kernelRegularizer: l2Kernel(options.l2) }).apply(flat) as SymbolicTensor;
  if (options.dropout > 0) x = tfl.layers.dropout({ name: 'dropout', rate: options.dropout, seed: seed }).apply(x) as SymbolicTensor;
  const outActivation = shape.task === 'bands' ? 'softmax' : shape.task === 'binary' ? 'sigmoid' : 'linear';
  const inputs = [profileInput];
  if (singleLevel > 0) {
    const surfInput = tfl.input({ shape: [singleLevel], name: 'surf_input' });
    inputs.push(surfInput);
    const rawFlat = tfl.layers.flatten({ name: 'flatten_profile_input' }).apply(profileInput) as SymbolicTensor;
    const rawIn = tfl.layers.concatenate({ name: 'concatenate_raw' }).apply([rawFlat, surfInput]) as SymbolicTensor;
    // The seed adds the raw inputs to the trunk's output, which needs denseUnits = heights x features.
    if (denseUnits !== heights * profileFeatures) throw new Error(`conv1d-residual: with single-level inputs denseUnits must equal heights x profile features (${heights * profileFeatures})`);
    const joined = tfl.layers.concatenate({ name: 'concatenate' }).apply([x, surfInput]) as SymbolicTensor;
    x = tfl.layers.add({ name: 'add_skip' }).apply([joined, rawIn]) as SymbolicTensor;
    options.headUnits.forEach((units, i) => {
      const name = `dense_head_${i + 1}`;
      x = tfl.layers.dense({ name, units, useBias: false, activation: act, kernelInitializer: seededKernel(seed, name) }).apply(x) as SymbolicTensor;
    });
  }
  const output = tfl.layers
    .dense({ name: 'main_output', units: outputs, useBias: true, activation: outActivation, kernelInitializer: seededKernel(seed, 'main_output') })
    .apply(x) as SymbolicTensor;
  return tfl.model({ name: 'conv1d_residual', inputs, outputs: output });
}
