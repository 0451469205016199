import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PrdError } from '@prd/core';

/** A tensor with a name (optimizer weights use these). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** File names of a saved tfjs layers model. */
export const MODEL_FILES = { topology: 'model.json', weights: 'weights.bin' } as const;

/** Write a file atomically (temp file + rename), so a crash never leaves a half-written model or checkpoint. */
function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function joinWeights(data: tf.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/**
 * Save a layers model to `dir` as a standard tfjs layers model (`model.json` + `weights.bin`), loadable by
 * `tf.loadLayersModel` and convertible to Keras with `tensorflowjs_converter --input_format=tfjs_layers_model`.
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<{ files: string[]; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = joinWeights(artifacts.weightData);
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy: null,
        weightsManifest: [{ paths: [MODEL_FILES.weights], weights: artifacts.weightSpecs ?? [] }],
      };
      writeAtomic(join(dir, MODEL_FILES.weights), weights);
      writeAtomic(join(dir, MODEL_FILES.topology), JSON.stringify(json));
      bytes = weights.byteLength;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes } };
    }),
  );
  return { files: [MODEL_FILES.topology, MODEL_FILES.weights], bytes };
}

/** Load a tfjs layers model saved by {@link saveModel} (or any single-shard-group tfjs layers model) from `dir`. */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  const topologyPath = join(dir, MODEL_FILES.topology);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(readFileSync(topologyPath, 'utf8')) as tf.io.ModelJSON;
  } catch (error) {
    throw new PrdError(`cannot read the model in ${dir}: ${(error as Error).message}; point --model at a run directory or its model/ folder`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const path of group.paths) buffers.push(readFileSync(join(dir, path)));
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  return tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: weightData.buffer, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy }),
  );
}

/** Save named tensors (optimizer state, for example) as `<base>.json` (specs) + `<base>.bin` (data). */
export async function saveTensors(tensors: NamedTensor[], dir: string, base: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const { data, specs } = await tf.io.encodeWeights(tensors);
  writeAtomic(join(dir, `${base}.bin`), joinWeights(data));
  writeAtomic(join(dir, `${base}.json`), JSON.stringify(specs));
}

/** Load tensors saved by {@link saveTensors}, in their saved order. */
export function loadTensors(dir: string, base: string): NamedTensor[] {
  const specs = JSON.parse(readFileSync(join(dir, `${base}.json`), 'utf8')) as tf.io.WeightsManifestEntry[];
  const bytes = readFileSync(join(dir, `${base}.bin`));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const map = tf.io.decodeWeights(buffer, specs);
  return specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
}
