import * as tfl from '@tensorflow/tfjs-layers';
import type * as tf from '@tensorflow/tfjs-core';

/** What prd reads and sets on a tfjs-layers Dropout layer. */
interface DropoutLayer {
  seed?: number;
  /** Training calls made so far: the index of the next mask. */
  prdDraws?: number;
  /** Which replica of data-parallel training this copy of the layer is (its masks differ from the others'). */
  prdStream?: number;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor | tf.Tensor[];
}

const PATCHED = Symbol.for('prd.seededDropout');

/**
 * Make seeded tfjs-layers Dropout draw a new mask at every training call, reproducibly.
 *
 * tfjs passes the layer's `seed` straight to `randomUniform`, which starts a fresh generator from it on every
 * call, so a seeded Dropout drops the same units at every step of training (measured: identical masks call after
 * call), which is not dropout. Keras advances a seed generator instead. Here the k-th training call of a layer
 * draws its mask from the seed `<seed>:<stream>:<k>`: different at every step, the same in every run with the
 * same seed, and continued exactly after `--resume` (see {@link setDropoutDraws}). Layers without a seed keep
 * tfjs' unseeded behaviour. The layer's class, name and saved config are unchanged, so saved models stay
 * standard tfjs layers models; prd's models always set a seed.
 */
export function installSeededDropout(): void {
  const proto = Object.getPrototypeOf(tfl.layers.dropout({ rate: 0.5 })) as DropoutLayer & { [PATCHED]?: boolean };
  if (proto[PATCHED]) return;
  const original = proto.call;
  proto.call = function (this: DropoutLayer, inputs, kwargs) {
    if (this.seed == null || !kwargs?.training) return original.call(this, inputs, kwargs);
    const seed = this.seed;
    const draw = this.prdDraws ?? 0;
    this.prdDraws = draw + 1;
    // tfjs reads `this.seed` inside call(); a string seed is accepted by randomUniform (seedrandom).
    (this as { seed: unknown }).seed = `${seed}:${this.prdStream ?? 0}:${draw}`;
    try {
      return original.call(this, inputs, kwargs);
    } finally {
      this.seed = seed;
    }
  };
  proto[PATCHED] = true;
}

/** The Dropout layers of a model (tfjs-layers class name `Dropout`). */
function dropoutLayers(model: tfl.LayersModel): DropoutLayer[] {
  return model.layers.filter((layer) => layer.getClassName() === 'Dropout') as unknown as DropoutLayer[];
}

/**
 * Position every Dropout layer of `model` at its `draws`-th mask (one draw per training step), on `stream`:
 * a resumed run continues the mask sequence where the interrupted one stopped.
 */
export function setDropoutDraws(model: tfl.LayersModel, draws: number, stream = 0): void {
  for (const layer of dropoutLayers(model)) {
    layer.prdDraws = draws;
    layer.prdStream = stream;
  }
}
