import { deriveSeed } from '@prd/core';
import { tfl } from '@prd/tensor';

/**
 * Seeded Keras-default initialisers: glorot-uniform kernels, each layer with its own seed derived from the run
 * seed and the layer name, so the same recipe seed gives the same initial weights.
 */
export function seededKernel(seed: number, layerName: string) {
  return tfl.initializers.glorotUniform({ seed: deriveSeed(seed, `init:${layerName}`) });
}
