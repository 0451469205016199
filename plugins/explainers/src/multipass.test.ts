import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunEvents, SeededRandom, TensorFile, TensorFileWriter, type ExplainInput, type Explainer, type ResolvedFeatures } from '@prd/core';
import { saveModel, selectBackend, tf, tfl, type SymbolicTensor } from '@prd/tensor';
import plugins from './index.js';

// Issue 15: Lakshmanan multi-pass importance on a constructed case where two features are copies of each other.
// Features a and b are equal in every row; c is independent. The model computes y = max(a, b) + 0.6 c exactly, so
// shuffling one copy alone costs little (the other still carries it: E|relu(a' - a)| = 0.56), less than shuffling c
// (0.6 E|c' - c| = 0.68), while the pair together matters most. Single-pass ranks both copies low.

const FEATURES = ['a_copy', 'b_copy', 'c_independent'];
let dir: string;
beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'prd-multipass-'));
});

async function copiesCase(): Promise<{ modelDir: string; test: TensorFile }> {
  const path = join(dir, 'copies.f32');
  const random = new SeededRandom(11);
  const writer = new TensorFileWriter(path, { heights: 2, profileFeatures: 3, singleLevel: 0, outputs: 1 });
  for (let r = 0; r < 2000; r++) {
    const a = [random.normal(), random.normal()];
    const c = [random.normal(), random.normal()];
    // heights x features; the model reads height 0 only, height 1 is noise it ignores.
    writer.append(Float32Array.from([a[0], a[0], c[0], a[1], a[1], c[1], Math.max(a[0], a[0]) + 0.6 * c[0]]), 1);
  }
  writer.close();
  // relu(a - b) + relu(b) - relu(-b) = max(a, b); 0.6 (relu(c) - relu(-c)) = 0.6 c.
  const input = tfl.input({ shape: [2, 3], name: 'profile_input' });
  const flat = tfl.layers.flatten({ name: 'flatten' }).apply(input) as SymbolicTensor;
  const w1 = Array.from({ length: 6 }, () => [0, 0, 0, 0, 0]);
  [w1[0][0], w1[1][0], w1[1][1], w1[1][2], w1[2][3], w1[2][4]] = [1, -1, 1, -1, 1, -1];
  const hidden = tfl.layers.dense({ name: 'dense', units: 5, activation: 'relu', useBias: false, weights: [tf.tensor2d(w1)] }).apply(flat) as SymbolicTensor;
  const out = tfl.layers.dense({ name: 'main_output', units: 1, weights: [tf.tensor2d([[1], [1], [-1], [0.6], [-0.6]]), tf.zeros([1])] }).apply(hidden) as SymbolicTensor;
  const modelDir = join(dir, 'model');
  await saveModel(tfl.model({ inputs: input, outputs: out }), modelDir);
  return { modelDir, test: TensorFile.open(path) };
}

describe('multi-pass permutation importance', () => {
  it('finds one of two copied features first (backward passes) where single-pass ranks both last', async () => {
    const { modelDir, test } = await copiesCase();
    const features = { metadata: [], heights: [10, 100], profile: FEATURES.map((name) => ({ name, columns: [] })), singleLevel: [], task: 'regression', bands: [], targetColumns: [], targetSources: [], prefixes: { truth: 't', nwp: 'n', ml: 'm' }, baseline: { kind: 'none' } } as unknown as ResolvedFeatures;
    const outDir = join(dir, 'out');
    mkdirSync(outDir, { recursive: true });
    const input: ExplainInput = { modelDir, test, features, shape: { heights: 2, profileFeatures: 3, singleLevel: 0, outputs: 1, task: 'regression' }, outDir, events: new RunEvents(), signal: new AbortController().signal };
    const context = { seed: 3, baseDir: dir, pointer: '/explain/0', events: new RunEvents(), tempDir: dir };
    const explainer = (await plugins.find((p) => p.name === 'permutation-importance')!.create({ repeats: 3, maxRows: 2000, multiPass: 'both', perHeight: true, device: 'cpu' }, context)) as Explainer;
    const outcome = await explainer.explain(input);
    const result = JSON.parse(readFileSync(join(outDir, 'importance.json'), 'utf8'));

    const single = result.features.map((f: { name: string }) => f.name);
    expect(single[0]).toBe('c_independent');
    expect(single.slice(1).sort()).toEqual(['a_copy', 'b_copy']);
    const backward = result.multiPass.backward.map((s: { feature: string }) => s.feature);
    expect(['a_copy', 'b_copy']).toContain(backward[0]);
    expect(backward[1]).toBe('c_independent');
    // Once one copy is back, the other adds nothing: the last restoration reaches the unshuffled score exactly.
    expect(result.multiPass.backward[2].score).toBeCloseTo(0, 5);
    expect(result.multiPass.backward[1].score).toBeGreaterThan(0.3);
    expect(result.multiPass.backwardAllShuffled).toBeGreaterThan(result.multiPass.backward[0].score);
    // Forward: c first (its first pass is a single pass, so it cannot put a copy first), then the copies.
    const forward = result.multiPass.forward as Array<{ feature: string; score: number }>;
    expect(forward[0].feature).toBe('c_independent');
    expect(forward.slice(1).map((s) => s.feature).sort()).toEqual(['a_copy', 'b_copy']);
    // Every pass only adds shuffled features, so the score never falls.
    expect(forward[1].score).toBeGreaterThan(forward[0].score);
    expect(forward[2].score).toBeGreaterThan(forward[1].score);
    expect(outcome.summary).toMatchObject({ multipass_backward_rank: { c_independent: 2 } });
    // Per height: the model reads level 0 only, so shuffling level 1 changes nothing.
    for (const h of result.perHeight) expect(h.values[1]).toBe(0);
    expect(result.perHeight.find((h: { name: string }) => h.name === 'c_independent').values[0]).toBeGreaterThan(0.5);
    expect(result.heights).toEqual([10, 100]);
  }, 60_000);
});
