import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlatAdam, loadModel, lossFunction, saveModel, selectBackend, setDropoutDraws, tf, type LayersModel } from '@prd/tensor';
import type { FusedLossName as LossName } from './loss.js';
import type { FusedArchitecture } from './architecture.js';
import { kernelVariant, type KernelVariant } from './kernels.js';
import { convResidual, makeBatch, mlp, relativeError, tfInputs } from './models.fixture.js';
import { readModelWeights, readOptimizerState, seededDropoutMasks, writeModelWeights, writeOptimizerState } from './tfjs.js';
import { FusedTrainer, type FusedBatch, type FusedOptimizerConfig } from './trainer.js';

const TOLERANCE = 1e-5;

beforeAll(async () => {
  // The pure-JS backend is the reference: every kernel is a plain float32 loop.
  await selectBackend('cpu');
});

function variables(model: LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** tfjs' loss and gradients of a batch, with the model in training mode (dropout active). */
function tfGradients(model: LayersModel, arch: FusedArchitecture, batch: FusedBatch, loss: LossName): { loss: number; grads: Float32Array[] } {
  const inputs = tfInputs(model, batch, arch);
  const y = tf.tensor2d(batch.target, [batch.size, batch.target.length / batch.size]);
  const vars = variables(model);
  const { value, grads } = tf.variableGrads(() => lossFunction(loss)(y, model.apply(inputs.length === 1 ? inputs[0] : inputs, { training: true }) as tf.Tensor), vars);
  const out = { loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) };
  tf.dispose([value, y, ...inputs, ...Object.values(grads)]);
  return out;
}

function fusedFor(model: LayersModel, arch: FusedArchitecture, rows: number, loss: LossName, optimizer: FusedOptimizerConfig = { type: 'adam' }, variant?: KernelVariant): FusedTrainer {
  const trainer = new FusedTrainer(arch, rows, loss, optimizer, variant);
  readModelWeights(trainer.network, model);
  return trainer;
}

function expectGradientsMatch(model: LayersModel, arch: FusedArchitecture, batch: FusedBatch, loss: LossName, variant?: KernelVariant): void {
  const trainer = fusedFor(model, arch, batch.size, loss, { type: 'adam' }, variant);
  setDropoutDraws(model, 0);
  const reference = tfGradients(model, arch, batch, loss);
  setDropoutDraws(model, 0);
  const fused = trainer.gradient(batch, seededDropoutMasks(model));
  expect(Math.abs(fused.loss - reference.loss) / Math.abs(reference.loss)).toBeLessThan(TOLERANCE);
  trainer.network.slots.forEach((slot, i) => {
    const g = trainer.network.grads.subarray(slot.offset, slot.offset + slot.size);
    expect({ weight: `${slot.layer}/${slot.kind}`, error: relativeError(g, reference.grads[i]) < TOLERANCE }).toEqual({ weight: `${slot.layer}/${slot.kind}`, error: true });
  });
}

describe('the fused step against tfjs (cpu backend)', () => {
  let seed: ReturnType<typeof convResidual>;
  beforeAll(async () => {
    await selectBackend('cpu');
    seed = convResidual(33, 5, 0, 5);
  });
  afterAll(() => seed.model.dispose());

  it("gives the seed model's outputs (33 heights x 5 features, 181,694 parameters)", () => {
    expect(seed.model.countParams()).toBe(181_694);
    const batch = makeBatch(8, seed.arch, 5, 1);
    const trainer = fusedFor(seed.model, seed.arch, 8, 'kl-divergence');
    expect(trainer.network.parameterCount).toBe(181_694);
    const reference = tf.tidy(() => (seed.model.predict(tfInputs(seed.model, batch, seed.arch)[0]) as tf.Tensor).dataSync());
    expect(relativeError(trainer.predict(batch), reference)).toBeLessThan(TOLERANCE);
  });

  it('gives the gradients of the seed model with KL divergence, every weight within 1e-5 relative', () => {
    expectGradientsMatch(seed.model, seed.arch, makeBatch(8, seed.arch, 5, 2), 'kl-divergence');
  });

  it('uses the relaxed-SIMD (FMA) build where the engine has it, and both builds give the gradients', () => {
    // Node 20 validates relaxed SIMD once @prd/fused has set V8's flag; a later Node has it on by default.
    expect(kernelVariant()).toBe('relaxed-simd');
    // 12 rows: whole 6 x 8 and 4 x 8 tiles in every product (conv rows 396, dense rows 12).
    for (const variant of ['relaxed-simd', 'simd'] as const) {
      expectGradientsMatch(seed.model, seed.arch, makeBatch(12, seed.arch, 5, 8), 'kl-divergence', variant);
    }
  }, 180_000);

  it('gives the gradients of the single-level variant on the plain-SIMD build (edge tiles of 4 x 8)', () => {
    const withSurface = convResidual(10, 4, 3, 5, { filters: 8, head: [12, 6], dropout: 0.3 });
    expectGradientsMatch(withSurface.model, withSurface.arch, makeBatch(9, withSurface.arch, 5, 6), 'kl-divergence', 'simd');
    withSurface.model.dispose();
  });

  it('gives the gradients with categorical cross-entropy', () => {
    expectGradientsMatch(seed.model, seed.arch, makeBatch(8, seed.arch, 5, 3), 'categorical-crossentropy');
  });

  it('gives the gradients of the regression variant (linear output) with mse and mae', () => {
    const regression = convResidual(12, 3, 0, 1, { filters: 8, softmax: false });
    expectGradientsMatch(regression.model, regression.arch, makeBatch(10, regression.arch, 1, 4, false), 'mse');
    expectGradientsMatch(regression.model, regression.arch, makeBatch(10, regression.arch, 1, 5, false), 'mae');
    regression.model.dispose();
  });

  it('gives the gradients of the single-level variant (raw-input skip, dense head) with seeded dropout', () => {
    const withSurface = convResidual(10, 4, 3, 5, { filters: 8, head: [12, 6], dropout: 0.3 });
    expectGradientsMatch(withSurface.model, withSurface.arch, makeBatch(9, withSurface.arch, 5, 6), 'kl-divergence');
    withSurface.model.dispose();
  });

  it('gives the gradients of an mlp with single-level inputs, biases, tanh and dropout', () => {
    const net = mlp(6, 3, 2, 4, [20, 7], 0.25);
    expectGradientsMatch(net.model, net.arch, makeBatch(13, net.arch, 4, 7), 'kl-divergence');
    net.model.dispose();
  });

  it("makes FlatAdam's updates from the same gradients (3 steps of the seed model), within 1e-5 relative", async () => {
    const { model, arch } = convResidual(33, 5, 0, 5);
    const trainer = fusedFor(model, arch, 4, 'kl-divergence');
    const adam = new FlatAdam({ learningRate: 0.01 });
    const vars = variables(model);
    for (const s of [1, 2, 3]) {
      const batch = makeBatch(4, arch, 5, 10 + s);
      const before = Float32Array.from(trainer.network.params);
      const { grads } = tfGradients(model, arch, batch, 'kl-divergence');
      trainer.network.slots.forEach((slot, i) => trainer.network.grads.set(grads[i], slot.offset));
      trainer.update(0.01);
      tf.tidy(() => adam.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(grads[i], v.shape) }))));
      trainer.network.slots.forEach((slot, i) => {
        const fusedStep = trainer.network.params.subarray(slot.offset, slot.offset + slot.size).map((w, j) => w - before[slot.offset + j]);
        const tfStep = (vars[i].dataSync() as Float32Array).map((w, j) => w - before[slot.offset + j]);
        expect(relativeError(fusedStep, tfStep)).toBeLessThan(TOLERANCE);
      });
    }
    // The moments and the step count round-trip through FlatAdam's checkpoint format.
    const saved = new FlatAdam({ learningRate: 0.01 });
    await writeOptimizerState(trainer, saved, model);
    const again = fusedFor(model, arch, 4, 'kl-divergence');
    await readOptimizerState(again, saved);
    expect(again.iterations).toBe(3);
    expect(relativeError(again.network.slotA, trainer.network.slotA)).toBe(0);
    expect(relativeError(again.network.slotB, trainer.network.slotB)).toBe(0);
    const reference = await adam.getWeights();
    const flatV = Float32Array.from(reference.filter((w) => w.name.endsWith('/v')).flatMap((w) => Array.from(w.tensor.dataSync())));
    expect(relativeError(trainer.network.slotB, flatV)).toBeLessThan(TOLERANCE);
    adam.dispose();
    saved.dispose();
    model.dispose();
  });

  it('follows tfjs training step for step: the losses of 4 Adam steps of the seed model agree within 1e-5', () => {
    // (Parameters are compared through the two tests above: Adam's m/√v turns last-digit differences of
    // near-zero gradients into visible ones in single weights, which says nothing about the training.)
    const { model, arch } = convResidual(33, 5, 0, 5);
    const trainer = fusedFor(model, arch, 8, 'kl-divergence');
    const adam = new FlatAdam({ learningRate: 0.01 });
    const vars = variables(model);
    for (const s of [1, 2, 3, 4]) {
      const batch = makeBatch(8, arch, 5, 10 + s);
      const fused = trainer.step(batch, 0.01).loss;
      const reference = tf.tidy(() => {
        const y = tf.tensor2d(batch.target, [8, 5]);
        return adam.minimize(() => lossFunction('kl-divergence')(y, model.apply(tfInputs(model, batch, arch)[0], { training: true }) as tf.Tensor), true, vars)!.dataSync()[0];
      });
      expect(Math.abs(fused - reference) / reference).toBeLessThan(TOLERANCE);
    }
    adam.dispose();
    model.dispose();
  });

  it("makes the same SGD-with-momentum updates as tfjs' momentum optimizer", () => {
    const net = mlp(5, 2, 0, 3, [9]);
    const trainer = fusedFor(net.model, net.arch, 8, 'kl-divergence', { type: 'sgd', momentum: 0.9 });
    const sgd = tf.train.momentum(0.05, 0.9);
    const vars = variables(net.model);
    for (const s of [1, 2, 3]) {
      const batch = makeBatch(8, net.arch, 3, 20 + s);
      trainer.step(batch, 0.05);
      tf.tidy(() => {
        const y = tf.tensor2d(batch.target, [8, 3]);
        sgd.minimize(() => lossFunction('kl-divergence')(y, net.model.apply(tfInputs(net.model, batch, net.arch)[0], { training: true }) as tf.Tensor), false, vars);
      });
    }
    trainer.network.slots.forEach((slot, i) => expect(relativeError(trainer.network.params.subarray(slot.offset, slot.offset + slot.size), vars[i].dataSync() as Float32Array)).toBeLessThan(TOLERANCE));
    sgd.dispose();
    net.model.dispose();
  });

  it('trains a model that saves and loads as a tfjs layers model and predicts what the fused network predicts', async () => {
    const { model, arch } = convResidual(33, 5, 0, 5);
    const trainer = fusedFor(model, arch, 32, 'kl-divergence');
    // A batch it trains on: the loss of an unseen random batch may rise or fall after 20 steps.
    const first = makeBatch(32, arch, 5, 31);
    const before = trainer.gradient(first).loss;
    for (let s = 0; s < 20; s++) trainer.step(makeBatch(32, arch, 5, 31 + (s % 4)), 0.003);
    expect(trainer.gradient(first).loss).toBeLessThan(before);
    writeModelWeights(trainer.network, model);
    const dir = mkdtempSync(join(tmpdir(), 'prd-fused-'));
    try {
      await saveModel(model, dir);
      const loaded = await loadModel(dir);
      const probe = makeBatch(7, arch, 5, 40);
      const reference = tf.tidy(() => (loaded.predict(tfInputs(loaded, probe, arch)[0]) as tf.Tensor).dataSync());
      expect(relativeError(trainer.predict(probe), reference)).toBeLessThan(TOLERANCE);
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });
});
