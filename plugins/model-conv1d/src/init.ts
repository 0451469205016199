import { deriveSeed } from '@prd/core';
import { tfl } from '@prd/tensor';

/**
 * Seeded Keras-default initialisers: glorot-uniform kernels, each layer with its own seed derived from the run
 * seed and the layer name, so the same recipe seed gives the same initial weights.
 */
export function seededKernel(seed: number, layerName: string) {
  return tfl.initializers.glorotUniform({ seed: deriveSeed(seed, `init:${layerName}`) });
}

/** A Keras `kernel_regularizer=L2(l2)` for a layer, or none for 0 (the default, as the seed's main model). */
export function l2Kernel(l2: number | undefined) {
  return l2 !== undefined && l2 > 0 ? tfl.regularizers.l2({ l2 }) : undefined;
}
