import type { ModelShape } from '@prd/core';
import type { FusedArchitecture, FusedLayer } from '@prd/fused';
import type { Conv1dResidualConfig, MlpConfig } from './options.js';

// What each builder builds, layer by layer, for @prd/fused's training step. These lists mirror conv1d-residual.ts
// and mlp.ts (names, order, biases, activations); models.test.ts checks that the fused network built from them
// holds exactly the tfjs model's weights and computes its outputs.

/** The `conv1d-residual` network for `shape`, as the fused runtime's layer list. */
export function conv1dResidualArchitecture(shape: ModelShape, options: Conv1dResidualConfig): FusedArchitecture {
  const act = options.activation;
  const layers: FusedLayer[] = [];
  const convDropout = options.convDropout ?? 0;
  for (let i = 0; i < options.convLayers; i++) {
    layers.push({ type: 'conv1d', name: i === 0 ? 'conv1d' : `conv1d_${i}`, filters: options.filters, kernelSize: options.kernelSize, useBias: options.convBias ?? false, activation: act });
    // The §5.4 variant's Dropout after the first Conv1D feeds both the next layer and the residual branch.
    if (i === 0 && convDropout > 0) layers.push({ type: 'dropout', name: 'dropout_conv1d', rate: convDropout });
  }
  layers.push({ type: 'add', name: 'add', from: convDropout > 0 ? 'dropout_conv1d' : 'conv1d' }, { type: 'flatten', name: 'flatten' });
  layers.push({ type: 'dense', name: 'dense', units: options.denseUnits ?? shape.heights * shape.profileFeatures, useBias: false, activation: act });
  if (options.dropout > 0) layers.push({ type: 'dropout', name: 'dropout', rate: options.dropout });
  if (shape.singleLevel > 0) {
    layers.push({ type: 'concatSurface', name: 'concatenate' }, { type: 'addRawInputs', name: 'add_skip' });
    options.headUnits.forEach((units, i) => layers.push({ type: 'dense', name: `dense_head_${i + 1}`, units, useBias: false, activation: act }));
  }
  layers.push({ type: 'dense', name: 'main_output', units: shape.outputs, useBias: true, activation: shape.task === 'bands' ? 'softmax' : 'linear' });
  return { heights: shape.heights, profileFeatures: shape.profileFeatures, singleLevel: shape.singleLevel, layers };
}

/** The `mlp` network for `shape`, as the fused runtime's layer list. */
export function mlpArchitecture(shape: ModelShape, options: MlpConfig): FusedArchitecture {
  const layers: FusedLayer[] = [{ type: 'flatten', name: 'flatten' }];
  if (shape.singleLevel > 0) layers.push({ type: 'concatSurface', name: 'concatenate' });
  options.hiddenUnits.forEach((units, i) => {
    layers.push({ type: 'dense', name: `dense_${i + 1}`, units, useBias: true, activation: options.activation });
    if (options.dropout > 0) layers.push({ type: 'dropout', name: `dropout_${i + 1}`, rate: options.dropout });
  });
  layers.push({ type: 'dense', name: 'main_output', units: shape.outputs, useBias: true, activation: shape.task === 'bands' ? 'softmax' : 'linear' });
  return { heights: shape.heights, profileFeatures: shape.profileFeatures, singleLevel: shape.singleLevel, layers };
}
