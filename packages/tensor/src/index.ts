/** @prd/tensor: TensorFlow.js for prd — backend selection, wasm kernel fixes, model files, losses, inference. */
export { tf, tfl, type Tensor, type Rank, type Variable, type NamedTensorMap, type Optimizer, type LayersModel, type SymbolicTensor } from './tf.js';
export { selectBackend, currentBackend, DEVICES, type Device, type BackendInfo, type SelectOptions } from './backend.js';
export { installWasmFixes } from './wasm/install.js';
export { conv2dBackpropFilter } from './wasm/conv-backprop-filter.js';
export { saveModel, loadModel, saveTensors, loadTensors, MODEL_FILES, type NamedTensor } from './io.js';
export { withRegularisation, regularisationPenalty, hasRegularisers } from './regularisation.js';
export { lossFunction, klDivergence, meanSquaredError, meanAbsoluteError, categoricalCrossentropy, categoricalAccuracy, type LossName, type LossFn } from './losses.js';
export { predictTensorFile, batchInputs, type PredictOptions } from './predict.js';
export { modelSignature, PRD_FLAVOR, type MlModelInfo } from './model-artifact.js';
export { FlatAdam, type AdamConfig } from './optimizers.js';
export { installSeededDropout, setDropoutDraws } from './dropout.js';

import { installSeededDropout } from './dropout.js';

// Every model prd builds or loads goes through this tfjs instance; seeded Dropout must draw a new mask per step.
installSeededDropout();
