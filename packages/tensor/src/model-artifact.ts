import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';

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

function yamlScalar(value: unknown): string {
  // A JSON string or number is a valid YAML flow scalar, and keeps every special character safe.
  return JSON.stringify(value);
}

/**
 * Write `MLmodel`, so MLflow lists the directory as a model. tfjs has no MLflow flavor, so it declares the custom
 * flavor `prd_tfjs` and no `python_function` flavor (pyfunc cannot load it; `prd predict` can).
 */
export function writeMlModel(dir: string, info: MlModelInfo): void {
  const tensorSpec = (list: MlModelInfo['inputs']) =>
    JSON.stringify(list.map((t) => ({ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, ...t.shape] }, name: t.name })));
  const lines = [
    'artifact_path: model',
    'flavors:',
    `  ${PRD_FLAVOR}:`,
    '    format: tfjs_layers_model',
    '    model_json: model.json',
    '    weights: weights.bin',
    '    preprocessing: preprocessing.json',
    `    tfjs_version: ${yamlScalar(tfl.version_layers)}`,
    `    prd_model: ${yamlScalar(info.modelRef.use)}`,
    `    prd_model_options: ${yamlScalar(JSON.stringify(info.modelRef.with))}`,
    `    runtime: ${yamlScalar(info.runtime)}`,
    `    parameters: ${info.parameters}`,
    `model_uuid: ${yamlScalar(randomUUID().replace(/-/g, ''))}`,
    'signature:',
    `  inputs: ${yamlScalar(tensorSpec(info.inputs))}`,
    `  outputs: ${yamlScalar(tensorSpec(info.outputs))}`,
    `utc_time_created: ${yamlScalar(new Date().toISOString().replace('T', ' ').replace('Z', ''))}`,
    '',
  ];
  writeFileSync(join(dir, 'MLmodel'), lines.join('\n'));
}
