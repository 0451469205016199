import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrdError } from '../errors.js';
import type { SavedModelInfo } from '../plugin/contract.js';

/** The MLflow flavor name prd writes into `MLmodel`. */
export const PRD_FLAVOR = 'prd_tfjs';

/** The format prd's models had before MLmodel named it (every model of the local backend). */
const DEFAULT_FORMAT = 'tfjs_layers_model';

/** What MLmodel records besides the saved model's own facts. */
export interface MlModelFacts {
  /** The model plugin and its options (`conv1d-residual`). */
  model: { use: string; with: Record<string, unknown> };
  runtime: string;
  parameters: number;
  saved: SavedModelInfo;
}

function yamlScalar(value: unknown): string {
  // A JSON string or number is a valid YAML flow scalar, and keeps every special character safe.
  return JSON.stringify(value);
}

/**
 * Write `MLmodel`, so MLflow lists the directory as a model. prd declares its own flavor `prd_tfjs` (and no
 * `python_function` flavor: pyfunc cannot load it; `prd predict` can), naming the format the backend saved.
 */
export function writeMlModel(dir: string, facts: MlModelFacts): void {
  const { saved } = facts;
  const tensorSpec = (list: SavedModelInfo['inputs']) =>
    JSON.stringify(list.map((t) => ({ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, ...t.shape] }, name: t.name })));
  const lines = [
    'artifact_path: model',
    'flavors:',
    `  ${PRD_FLAVOR}:`,
    `    format: ${saved.format}`,
    ...Object.entries(saved.files).map(([k, v]) => `    ${k}: ${v}`),
    '    preprocessing: preprocessing.json',
    ...(saved.libraryVersion ? [`    tfjs_version: ${yamlScalar(saved.libraryVersion)}`] : []),
    `    prd_model: ${yamlScalar(facts.model.use)}`,
    `    prd_model_options: ${yamlScalar(JSON.stringify(facts.model.with))}`,
    `    runtime: ${yamlScalar(facts.runtime)}`,
    `    parameters: ${facts.parameters}`,
    `model_uuid: ${yamlScalar(randomUUID().replace(/-/g, ''))}`,
    'signature:',
    `  inputs: ${yamlScalar(tensorSpec(saved.inputs))}`,
    `  outputs: ${yamlScalar(tensorSpec(saved.outputs))}`,
    `utc_time_created: ${yamlScalar(new Date().toISOString().replace('T', ' ').replace('Z', ''))}`,
    '',
  ];
  writeFileSync(join(dir, 'MLmodel'), lines.join('\n'));
}

/** The format a model directory's MLmodel names (models saved before MLmodel existed are tfjs layers models). */
export function readModelFormat(modelDir: string): string {
  const file = join(modelDir, 'MLmodel');
  if (!existsSync(file)) return DEFAULT_FORMAT;
  const text = readFileSync(file, 'utf8');
  const flavor = new RegExp(`^  ${PRD_FLAVOR}:\\n((?:    .*\\n?)*)`, 'm').exec(text);
  if (!flavor) throw new PrdError(`${file} has no "${PRD_FLAVOR}" flavor; prd can only apply models it saved`);
  const format = /^ {4}format: *(.+)$/m.exec(flavor[1])?.[1].trim();
  return format ? format.replace(/^"(.*)"$/, '$1') : DEFAULT_FORMAT;
}
