import type * as tfl from '@tensorflow/tfjs-layers';

/** The MLflow flavor name prd writes into `MLmodel`. */
export const PRD_FLAVOR = 'prd_tfjs';

/** What the MLmodel file records besides the fixed fields. */
export interface MlModelInfo {
  /** The model plugin and its options (`conv1d-residual`). */
  modelRef: { use: string; with: Record<string, unknown> };
  /** Model input names and shapes without the batch dimension. */
  inputs: Array<{ name: string; shape: number[] }>;
  outputs: Array<{ name: string; shape: number[] }>;
  runtime: string;
  parameters: number;
}

/** Inputs and outputs of a layers model, for {@link MlModelInfo}. */
export function modelSignature(model: tfl.LayersModel): Pick<MlModelInfo, 'inputs' | 'outputs'> {
  const spec = (t: tfl.SymbolicTensor) => ({ name: t.name.replace(/\/.*$/, '').replace(/:\d+$/, ''), shape: t.shape.slice(1).map((d) => d ?? -1) });
  return {
    inputs: model.inputs.map((t, i) => ({ ...spec(t), name: model.inputNames[i] })),
    outputs: model.outputs.map((t, i) => ({ ...spec(t), name: model.outputNames[i] })),
  };
}
