/** @prd/explainers: permutation importance, saliency and filter pictures. prd loads the plugins from ./plugins.js. */
export { default } from './plugins.js';

export { permutationImportance, permuteProfileFeature, permuteSingleFeature, type FeatureImportance, type PermutationOptions } from './permutation.js';
export { saliency, gradCam, inputGradients, seedRow, type SaliencyOptions } from './saliency.js';
export { filterPictures, type FilterOptions } from './filters.js';
export { rewire, layerNamed } from './rewire.js';
export { sampleRows, readRowsAt, klDivergence, meanStd, type Sample } from './sample.js';

