import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Band } from '../data/bands.js';
import { PrdError } from '../errors.js';
import type { Preprocessing } from './preprocessing.js';

/**
 * The model contract this prd writes. 1: model.json + weights.bin (tfjs layers), preprocessing.json and MLmodel,
 * nothing else (models before contract.json). 2: the same plus contract.json (versions, features, lineage, digests).
 */
export const MODEL_CONTRACT = 2;

/** The oldest model contract this prd loads. */
export const OLDEST_MODEL_CONTRACT = 1;

/** `model/contract.json`: what a model is, who wrote it, what it expects, and the digests of its files. */
export interface ModelContract {
  format: 'prd-model';
  contract: number;
  writtenBy: { prd: string; plugins: Record<string, string> };
  model: { use: string; with: Record<string, unknown>; format: string; parameters?: number; runtime?: string };
  features: { task: Preprocessing['task']; heights: number[]; profile: string[]; singleLevel: string[]; inputs: number; bands: Band[]; scaler: 'preprocessing.json' };
  lineage: { runId?: string; recipe?: string; forkedFrom?: string; resumedFrom?: string };
  files: Record<string, { size: number; sha256: string }>;
  createdAt: string;
}

const CONTRACT_FILE = 'contract.json';

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Size and sha256 of every file of a model directory except contract.json itself. */
export function modelFileDigests(modelDir: string): ModelContract['files'] {
  const files: ModelContract['files'] = {};
  for (const name of readdirSync(modelDir).sort()) {
    const path = join(modelDir, name);
    if (name === CONTRACT_FILE || !statSync(path).isFile()) continue;
    files[name] = { size: statSync(path).size, sha256: sha256(path) };
  }
  return files;
}

interface MlModelFlavor {
  format?: string;
  prd_model?: string;
  prd_model_options?: string;
  runtime?: string;
  parameters?: number;
}

function readFlavor(modelDir: string): MlModelFlavor {
  const file = join(modelDir, 'MLmodel');
  if (!existsSync(file)) return {};
  try {
    const parsed = parseYaml(readFileSync(file, 'utf8')) as { flavors?: Record<string, MlModelFlavor> };
    return parsed?.flavors?.prd_tfjs ?? {};
  } catch {
    return {};
  }
}

function readPreprocessing(modelDir: string): Preprocessing {
  const file = join(modelDir, 'preprocessing.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Preprocessing;
  } catch (error) {
    throw new PrdError(`${file} cannot be read (${(error as Error).message}); a prd model keeps its scaler and feature order there`);
  }
}

/** Facts a contract records besides what the model directory already holds. */
export interface ContractFacts {
  prdVersion: string;
  plugins: Record<string, string>;
  lineage: ModelContract['lineage'];
}

/** Describe a finished model directory as a contract (digests of its files included). */
export function buildModelContract(modelDir: string, facts: ContractFacts): ModelContract {
  const p = readPreprocessing(modelDir);
  const flavor = readFlavor(modelDir);
  let options: Record<string, unknown> = {};
  try {
    options = flavor.prd_model_options ? (JSON.parse(flavor.prd_model_options) as Record<string, unknown>) : {};
  } catch {
    options = {};
  }
  return {
    format: 'prd-model',
    contract: MODEL_CONTRACT,
    writtenBy: { prd: facts.prdVersion, plugins: facts.plugins },
    model: { use: flavor.prd_model ?? 'unknown', with: options, format: flavor.format ?? 'tfjs_layers_model', parameters: flavor.parameters, runtime: flavor.runtime },
    features: { task: p.task, heights: p.heights, profile: p.profile.map((f) => f.name), singleLevel: p.singleLevel, inputs: p.scaler.columns.length, bands: p.bands, scaler: 'preprocessing.json' },
    lineage: facts.lineage,
    files: modelFileDigests(modelDir),
    createdAt: new Date().toISOString(),
  };
}

/** Write `contract.json` into a model directory (after every other file of it is final). */
export function writeModelContract(modelDir: string, facts: ContractFacts): ModelContract {
  const contract = buildModelContract(modelDir, facts);
  writeFileSync(join(modelDir, CONTRACT_FILE), `${JSON.stringify(contract, null, 2)}\n`);
  return contract;
}

/**
 * The contract of a model directory: contract.json where there is one, else the contract-1 description derived
 * from the files every prd model has had (so models from before contract.json keep loading).
 */
export function readModelContract(modelDir: string): ModelContract {
  const file = join(modelDir, CONTRACT_FILE);
  if (existsSync(file)) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as ModelContract;
    } catch (error) {
      throw new PrdError(`${file} is not readable JSON (${(error as Error).message}); restore it from the run, or delete it to treat the model as contract 1`);
    }
  }
  const derived = buildModelContract(modelDir, { prdVersion: 'unknown (before contract 2)', plugins: {}, lineage: {} });
  return { ...derived, contract: 1, createdAt: statSync(join(modelDir, 'preprocessing.json')).mtime.toISOString() };
}

/** What `prd models check` finds: whether this prd can load the model, and what to do if not. */
export interface ModelCheck {
  contract: number;
  loadable: boolean;
  problems: string[];
  advice: string[];
}

/** Check a model directory against this prd: contract version, required files, digests, formats. */
export function checkModel(modelDir: string): ModelCheck {
  const problems: string[] = [];
  const advice: string[] = [];
  for (const required of ['model.json', 'preprocessing.json']) {
    if (!existsSync(join(modelDir, required))) problems.push(`${required} is missing`);
  }
  if (problems.length > 0) return { contract: 0, loadable: false, problems, advice: [`${modelDir} is not a prd model directory; pass runs/<run-id> or its model/ folder`] };
  const contract = readModelContract(modelDir);
  if (contract.contract > MODEL_CONTRACT) {
    problems.push(`written under model contract ${contract.contract} by prd ${contract.writtenBy.prd}; this prd knows contracts ${OLDEST_MODEL_CONTRACT}-${MODEL_CONTRACT}`);
    advice.push(`upgrade prd to ${contract.writtenBy.prd} or newer (npm install @prd/cli@latest)`);
  }
  const p = readPreprocessing(modelDir);
  if (p.format !== 'prd-preprocessing' || p.version !== 1) problems.push(`preprocessing.json is ${String(p.format)} version ${String(p.version)}; this prd reads prd-preprocessing version 1`);
  if (contract.model.format !== 'tfjs_layers_model') problems.push(`MLmodel says the model format is ${contract.model.format}; prd loads tfjs_layers_model`);
  if (contract.contract >= 2) {
    for (const [name, expected] of Object.entries(contract.files)) {
      const path = join(modelDir, name);
      if (!existsSync(path)) {
        problems.push(`${name} is missing (contract.json lists it)`);
        continue;
      }
      const size = statSync(path).size;
      if (size !== expected.size || sha256(path) !== expected.sha256) problems.push(`${name} differs from the file the model was written with (size ${size}, expected ${expected.size}; or its sha256)`);
    }
    if (problems.some((m) => m.includes('differs') || m.includes('missing'))) advice.push('copy the model again from its run directory or tracker; a damaged file must not be used');
  } else {
    advice.push('contract 1 (no contract.json): loadable; its files carry no digests, so damage cannot be detected. A new run writes contract 2');
  }
  return { contract: contract.contract, loadable: problems.length === 0, problems, advice };
}
