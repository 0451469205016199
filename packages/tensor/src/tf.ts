/**
 * The single TensorFlow.js instance every prd package uses. Plugins import `tf` (ops, tensors, optimizers) and
 * `tfl` (layers) from here instead of depending on tfjs themselves, so kernels and backends registered by
 * `@prd/tensor` apply to them.
 */
export * as tf from '@tensorflow/tfjs-core';
export * as tfl from '@tensorflow/tfjs-layers';
export type { Tensor, Rank, Variable, NamedTensorMap, Optimizer } from '@tensorflow/tfjs-core';
export type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
