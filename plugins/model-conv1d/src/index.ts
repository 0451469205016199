/** @prd/model-conv1d: the seed's residual 1-D CNN and an MLP baseline. prd loads the plugins from ./plugins.js. */
export { default } from './plugins.js';
export { buildConv1dResidual } from './conv1d-residual.js';
export { buildMlp } from './mlp.js';
export { conv1dResidualArchitecture, mlpArchitecture } from './architecture.js';
export { Conv1dResidualOptions, MlpOptions, type Conv1dResidualConfig, type MlpConfig } from './options.js';
