import { tf, type LayersModel, type NamedTensor, type Optimizer } from '@prd/tensor';
import type { DropoutMasks, FusedNetwork } from './network.js';
import type { FusedTrainer } from './trainer.js';

/** What prd's seeded Dropout keeps on a tfjs-layers Dropout layer (see @prd/tensor's dropout.ts). */
interface SeededDropout {
  seed?: number;
  prdDraws?: number;
  prdStream?: number;
}

interface LayerVariableLike {
  originalName: string;
  shape: number[];
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

/**
 * The model's trainable weights in the network's parameter order; throws when the model is not the architecture
 * the network was built from (another layer order, name or shape).
 */
export function matchWeights(network: FusedNetwork, model: LayersModel): LayerVariableLike[] {
  const weights = model.trainableWeights as unknown as LayerVariableLike[];
  const names = weights.map((w) => w.originalName);
  const expected = network.slots.map((s) => `${s.layer}/${s.kind}`);
  if (names.join(',') !== expected.join(',')) throw new Error(`fused: the model's weights [${names.join(', ')}] are not the described architecture's [${expected.join(', ')}]`);
  weights.forEach((w, i) => {
    const shape = network.slots[i].shape;
    if (w.shape.join('x') !== shape.join('x')) throw new Error(`fused: weight ${names[i]} has shape [${w.shape}], the architecture says [${shape}]`);
  });
  return weights;
}

/** Copy the model's weights into the network's parameter buffer. */
export function readModelWeights(network: FusedNetwork, model: LayersModel): void {
  matchWeights(network, model).forEach((w, i) => network.params.set(w.read().dataSync() as Float32Array, network.slots[i].offset));
}

/** Write the network's parameters into the model's variables (the model then saves as usual). */
export function writeModelWeights(network: FusedNetwork, model: LayersModel): void {
  matchWeights(network, model).forEach((w, i) => {
    const slot = network.slots[i];
    const value = tf.tensor(network.params.slice(slot.offset, slot.offset + slot.size), slot.shape);
    w.write(value);
    value.dispose();
  });
}

/**
 * Dropout masks exactly as the model's tfjs Dropout layers would draw them (prd's seeded per-step masks:
 * tfjs' `randomUniform` from `<seed>:<stream>:<draw>`, then floor(u + keep) / keep), advancing each layer's draw
 * count, so fused and tfjs training drop the same units and `--resume` continues the sequence.
 */
export function seededDropoutMasks(model: LayersModel): DropoutMasks {
  return (name, rows, width, rate) => {
    const layer = model.getLayer(name) as unknown as SeededDropout;
    let seed: string | undefined;
    if (layer.seed != null) {
      const draw = layer.prdDraws ?? 0;
      layer.prdDraws = draw + 1;
      seed = `${layer.seed}:${layer.prdStream ?? 0}:${draw}`;
    }
    const u = tf.tidy(() => tf.randomUniform([rows, width], 0, 1, 'float32', seed));
    const values = u.dataSync() as Float32Array;
    u.dispose();
    const keep = Math.fround(1 - rate);
    const mask = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) mask[i] = Math.floor(Math.fround(values[i] + keep)) / keep;
    return mask;
  };
}

/**
 * Load the optimizer state a tfjs optimizer holds (FlatAdam's `iter`, `<var>/m`, `<var>/v`; momentum's
 * `<var>/momentum`), e.g. restored from a checkpoint, into the fused trainer.
 */
export async function readOptimizerState(trainer: FusedTrainer, optimizer: Optimizer): Promise<void> {
  const weights = await optimizer.getWeights();
  trainer.iterations = optimizer.iterations;
  const net = trainer.network;
  const slots: Array<[string, Float32Array]> = trainer.optimizer.type === 'adam' ? [['m', net.slotA], ['v', net.slotB]] : [['momentum', net.slotA]];
  for (const [suffix, target] of slots) {
    const parts = weights.filter((w) => w.name.endsWith(`/${suffix}`));
    if (parts.length === 0) continue;
    if (parts.length !== net.slots.length) throw new Error(`fused: optimizer state has ${parts.length} "${suffix}" tensors for ${net.slots.length} weights`);
    parts.forEach((p, i) => target.set(p.tensor.dataSync() as Float32Array, net.slots[i].offset));
  }
}

/** Put the fused trainer's optimizer state into the tfjs optimizer, so that checkpoints save it as tfjs would. */
export async function writeOptimizerState(trainer: FusedTrainer, optimizer: Optimizer, model: LayersModel): Promise<void> {
  const net = trainer.network;
  const variables = model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
  const slots: Array<[string, Float32Array]> = trainer.optimizer.type === 'adam' ? [['m', net.slotA], ['v', net.slotB]] : trainer.optimizer.momentum ? [['momentum', net.slotA]] : [];
  const state: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(trainer.iterations, 'int32') }];
  for (const [suffix, source] of slots) {
    net.slots.forEach((s, i) => state.push({ name: `${variables[i]}/${suffix}`, tensor: tf.tensor(source.slice(s.offset, s.offset + s.size), s.shape) }));
  }
  await optimizer.setWeights(state);
  tf.dispose(state.map((s) => s.tensor));
}
