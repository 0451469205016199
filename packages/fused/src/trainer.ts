import type { FusedArchitecture } from './architecture.js';
import { countCorrect, lossAndGradient, softmaxBackward, softmaxRows, type FusedLossName } from './loss.js';
import type { KernelVariant } from './kernels.js';
import { FusedNetwork, type DropoutMasks, type FusedInputs } from './network.js';

/** The optimizers of the fused step: Keras' Adam (as @prd/tensor's FlatAdam) and tfjs' SGD with momentum. */
export type FusedOptimizerConfig = { type: 'adam'; beta1?: number; beta2?: number; epsilon?: number } | { type: 'sgd'; momentum?: number };

/** A batch with its targets (rows x outputs). */
export interface FusedBatch extends FusedInputs {
  target: Float32Array;
}

/**
 * Training with the fused kernels: forward, loss, backward and the optimizer update of a batch over one
 * parameter buffer. Adam's moments are the network's two slots (SGD's momentum the first); `iterations` counts
 * updates as tfjs' optimizers do.
 */
export class FusedTrainer {
  readonly network: FusedNetwork;
  iterations = 0;
  private readonly probabilities: Float32Array;
  private readonly dOutput: Float32Array;

  constructor(
    architecture: FusedArchitecture,
    maxBatch: number,
    readonly loss: FusedLossName,
    readonly optimizer: FusedOptimizerConfig,
    variant?: KernelVariant,
  ) {
    this.network = new FusedNetwork(architecture, maxBatch, variant);
    this.probabilities = new Float32Array(maxBatch * this.network.outputs);
    this.dOutput = new Float32Array(maxBatch * this.network.outputs);
  }

  /** The model's outputs for a batch (softmax applied), rows x outputs; a view the next call overwrites. */
  predict(batch: FusedInputs, masks?: DropoutMasks): Float32Array {
    const z = this.network.forward(batch, masks);
    const rows = batch.size;
    const cols = this.network.outputs;
    if (!this.network.softmax) {
      this.probabilities.set(z);
      return this.probabilities.subarray(0, rows * cols);
    }
    softmaxRows(z, rows, cols, this.probabilities);
    return this.probabilities.subarray(0, rows * cols);
  }

  /**
   * Loss (batch mean), correctly classified rows, and every parameter's gradient in `network.grads`, times `scale`
   * (a replica's share of a batch split across threads: its rows over the batch's).
   */
  gradient(batch: FusedBatch, masks?: DropoutMasks, scale = 1): { loss: number; correct: number } {
    const rows = batch.size;
    const cols = this.network.outputs;
    const p = this.predict(batch, masks);
    const d = this.dOutput;
    const loss = lossAndGradient(this.loss, batch.target, p, rows, cols, d);
    if (scale !== 1) for (let i = 0; i < rows * cols; i++) d[i] *= scale;
    const correct = countCorrect(batch.target, p, rows, cols);
    if (this.network.softmax) softmaxBackward(p, d, rows, cols);
    this.network.backward(d);
    return { loss, correct };
  }

  /** One training step: the gradient of the batch, then the optimizer's update at `learningRate`. */
  step(batch: FusedBatch, learningRate: number, masks?: DropoutMasks): { loss: number; correct: number } {
    const result = this.gradient(batch, masks);
    this.update(learningRate);
    return result;
  }

  /** Apply the optimizer to the gradients in `network.grads`. */
  update(learningRate: number): void {
    const net = this.network;
    const ptr = net.pointers;
    const n = net.parameterCount;
    if (this.optimizer.type === 'adam') {
      const beta1 = this.optimizer.beta1 ?? 0.9;
      const beta2 = this.optimizer.beta2 ?? 0.999;
      const t = this.iterations + 1;
      const lr = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      net.kernels.adam(ptr.params, ptr.grads, ptr.slotA, ptr.slotB, n, lr, 1 - beta1, 1 - beta2, this.optimizer.epsilon ?? 1e-7);
    } else {
      net.kernels.sgd(ptr.params, ptr.grads, ptr.slotA, n, learningRate, this.optimizer.momentum ?? 0);
    }
    this.iterations++;
  }
}
