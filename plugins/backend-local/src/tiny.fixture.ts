// Test fixtures shared by this package's tests (not part of the built package).
import { join } from 'node:path';
import { SeededRandom, TensorFile, TensorFileWriter } from '@prd/core';
import { tfl, type LayersModel } from '@prd/tensor';

/** 6 heights x 2 profile features in, 3 band fractions out. */
export const TINY_LAYOUT = { heights: 6, profileFeatures: 2, singleLevel: 0, outputs: 3 };

/** A seeded tensor file whose band fractions are a softmax of sums of the profile values. */
export function tinyTensorFile(dir: string, name: string, rows: number, seed: number): TensorFile {
  const writer = new TensorFileWriter(join(dir, name), TINY_LAYOUT);
  const random = new SeededRandom(seed);
  const width = 12 + 3;
  const buf = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const l = [0, 0, 0];
    for (let j = 0; j < 12; j++) {
      const v = random.next() * 2 - 1;
      buf[r * width + j] = v;
      l[j % 3] += v;
    }
    const e = l.map((x) => Math.exp(x));
    const s = e[0] + e[1] + e[2];
    e.forEach((x, k) => (buf[r * width + 12 + k] = x / s));
  }
  writer.append(buf, rows);
  writer.close();
  return TensorFile.open(join(dir, name));
}

/** Conv1D(4) -> Flatten -> [seeded Dropout] -> Dense(3, softmax, [L2 on its kernel]), with seeded initial weights. */
export function tinyModel(dropout = 0, l2 = 0): LayersModel {
  const input = tfl.input({ shape: [6, 2], name: 'profile_input' });
  const conv = tfl.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input);
  let flat = tfl.layers.flatten().apply(conv) as tfl.SymbolicTensor;
  if (dropout > 0) flat = tfl.layers.dropout({ rate: dropout, seed: 3 }).apply(flat) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'main_output', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }), kernelRegularizer: l2 > 0 ? tfl.regularizers.l2({ l2 }) : undefined }).apply(flat);
  return tfl.model({ inputs: input, outputs: out as tfl.SymbolicTensor });
}
