import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunEvents, SeededRandom, TensorFile, TensorFileWriter, type ExplainInput, type Explainer, type ResolvedFeatures } from '@prd/core';
import { saveModel, selectBackend, tfl, type SymbolicTensor } from '@prd/tensor';
import plugins from './index.js';

// D2 (issue 15): the seed explained `np.argmax(y_test['radar_fraction_in_band_instant_10.0'])`, the row with the
// largest top-band fraction in the WHOLE test set (§9.3), not in a random subset of it.

const HEIGHTS = [10, 100, 1000];
let dir: string;
beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'prd-saliency-row-'));
});

describe('saliency default row', () => {
  it('is the argmax of the top band over the whole test set, however few rows the gradients average', async () => {
    const rows = 3000;
    const random = new SeededRandom(9);
    const path = join(dir, 'test.f32');
    const writer = new TensorFileWriter(path, { heights: HEIGHTS.length, profileFeatures: 1, singleLevel: 0, outputs: 2 });
    let best = -1;
    let bestValue = -1;
    for (let r = 0; r < rows; r++) {
      const top = random.next() * 0.5;
      if (top > bestValue) [best, bestValue] = [r, top];
      writer.append(Float32Array.from([random.normal(), random.normal(), random.normal(), 1 - top, top]), 1);
    }
    writer.close();
    const input = tfl.input({ shape: [HEIGHTS.length, 1], name: 'profile_input' });
    const c0 = tfl.layers.conv1d({ name: 'conv1d', filters: 2, kernelSize: 1, useBias: false }).apply(input) as SymbolicTensor;
    const add = tfl.layers.add({ name: 'add' }).apply([c0, c0]) as SymbolicTensor;
    const flat = tfl.layers.flatten({ name: 'flatten' }).apply(add) as SymbolicTensor;
    const out = tfl.layers.dense({ name: 'main_output', units: 2, activation: 'softmax' }).apply(flat) as SymbolicTensor;
    const modelDir = join(dir, 'model');
    await saveModel(tfl.model({ inputs: input, outputs: out }), modelDir);

    const features = {
      metadata: [], heights: HEIGHTS, profile: [{ name: 'relative_humidity', columns: [] }], singleLevel: [], task: 'bands',
      bands: [{ key: '0.0', lower: 0, upper: 0.01 }, { key: '10.0', lower: 10, upper: 220 }], targetColumns: [], targetSources: [],
      prefixes: { truth: 'radar_fraction_in_band_instant', nwp: 'mogrepsg_fraction_in_band_instant', ml: 'ml_fraction_in_band_instant' }, baseline: { kind: 'none' },
    } as ResolvedFeatures;
    const outDir = join(dir, 'out');
    mkdirSync(outDir, { recursive: true });
    const explainInput: ExplainInput = { modelDir, test: TensorFile.open(path), features, shape: { heights: 3, profileFeatures: 1, singleLevel: 0, outputs: 2, task: 'bands' }, outDir, events: new RunEvents(), signal: new AbortController().signal };
    const context = { seed: 42, baseDir: dir, pointer: '/explain/0', events: new RunEvents(), tempDir: dir };
    const saliency = (await plugins.find((p) => p.name === 'saliency')!.create({ layer: 'add', rows: [], gradientRows: 20, output: 'logits', device: 'cpu' }, context)) as Explainer;
    await saliency.explain(explainInput);
    const result = JSON.parse(readFileSync(join(outDir, 'saliency.json'), 'utf8'));
    expect(result.samples[0].row).toBe(best);
    expect(result.samples[0].target[1]).toBeCloseTo(bestValue, 6);
    expect(result.samples[0].reason).toBe('largest radar fraction in band 10.0 over the whole test set');
  }, 60_000);
});
