/** Element-wise activations the fused kernels implement (tfjs' definitions; elu with alpha 1). */
export type Activation = 'linear' | 'relu' | 'elu' | 'tanh' | 'sigmoid';

/**
 * One layer of a network the fused step can train, named as the tfjs layer whose weights it uses
 * (`<name>/kernel`, `<name>/bias`). Layers apply in order to the output of the previous one.
 */
export type FusedLayer =
  /** Conv1D over heights with "same" padding (pads floor((k−1)/2) rows before), kernel (k, in, filters). */
  | { type: 'conv1d'; name: string; filters: number; kernelSize: number; useBias: boolean; activation: Activation }
  /** Adds the output of the earlier layer `from` (a residual connection). */
  | { type: 'add'; name: string; from: string }
  /** Heights x channels to one row (free: activations are stored channels-last). */
  | { type: 'flatten'; name: string }
  /** Appends the single-level inputs (`surf_input`) to each row. */
  | { type: 'concatSurface'; name: string }
  /** Adds the raw inputs, concat(flatten(profile), surf), to each row (the seed's skip connection). */
  | { type: 'addRawInputs'; name: string }
  | { type: 'dense'; name: string; units: number; useBias: boolean; activation: Activation | 'softmax' }
  /** tfjs-layers Dropout (with prd's seeded per-step masks, drawn by tfjs so that both runtimes drop the same units). */
  | { type: 'dropout'; name: string; rate: number };

/**
 * A declarative description of a model that the fused runtime can train instead of tfjs: the model plugin says
 * what it built, so that the runtime never has to guess from the layers.
 */
export interface FusedArchitecture {
  heights: number;
  profileFeatures: number;
  singleLevel: number;
  layers: FusedLayer[];
}

/** A model builder that can describe what it builds for the fused runtime (see @prd/model-conv1d). */
export interface DescribesArchitecture {
  /** The architecture of the model `build(shape)` returns. */
  fusedArchitecture(shape: { heights: number; profileFeatures: number; singleLevel: number; outputs: number; task: 'bands' | 'regression' }): FusedArchitecture;
}

/** Whether a model builder offers a fused description. */
export function describesArchitecture(builder: unknown): builder is DescribesArchitecture {
  return typeof builder === 'object' && builder !== null && typeof (builder as DescribesArchitecture).fusedArchitecture === 'function';
}
