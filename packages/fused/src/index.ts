/** @prd/fused: a fused training step (forward, backward, Adam/SGD) in WebAssembly SIMD for prd's built-in models. */
export { describesArchitecture, type Activation, type DescribesArchitecture, type FusedArchitecture, type FusedLayer } from './architecture.js';
export { FusedNetwork, type DropoutMasks, type FusedInputs, type WeightSlot } from './network.js';
export { kernelVariant, type KernelVariant } from './kernels.js';
export { FusedTrainer, type FusedBatch, type FusedOptimizerConfig } from './trainer.js';
export { type FusedLossName } from './loss.js';
export { matchWeights, readModelWeights, writeModelWeights, seededDropoutMasks, readOptimizerState, writeOptimizerState } from './tfjs.js';
export { FusedReplicas, shardRows } from './replicas/coordinator.js';
export { ReplicaThreads, workerScript } from './replicas/threads.js';
