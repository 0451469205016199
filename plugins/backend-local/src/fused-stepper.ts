import { PrdError, type Batch, type ModelBuilder, type RunEvents, type TrainJob } from '@prd/core';
import { describesArchitecture, FusedReplicas, FusedTrainer, readModelWeights, readOptimizerState, seededDropoutMasks, writeModelWeights, writeOptimizerState, type DropoutMasks, type FusedArchitecture, type FusedLossName, type FusedOptimizerConfig, type KernelVariant } from '@prd/fused';
import { hasRegularisers, type LayersModel, type Optimizer } from '@prd/tensor';
import type { LocalConfig } from './options.js';
import type { Stepper } from './stepper.js';

/** The label the run reports for fused training. */
export const FUSED_RUNTIME = 'fused wasm-simd';

/**
 * Training steps on @prd/fused's kernels: forward, backward and the optimizer update of a batch in WebAssembly
 * SIMD over one parameter buffer, with no tfjs op in the step. The tfjs model and optimizer stay the source of
 * truth between epochs: `sync` writes the weights and the optimizer state (FlatAdam's or tfjs momentum's format)
 * back, so validation, checkpoints, `--resume` and the saved model are those of the tfjs path.
 */
export class FusedStepper implements Stepper {
  private loss = 0;
  private correct = 0;
  private readonly masks: DropoutMasks;

  private constructor(
    private readonly trainer: FusedTrainer,
    private readonly model: LayersModel,
    private readonly optimizer: Optimizer,
    private readonly replicas?: FusedReplicas,
  ) {
    this.masks = seededDropoutMasks(model);
  }

  /**
   * A stepper starting from the model's weights and the optimizer's state (restored from a checkpoint or new);
   * with `workers` > 0, each batch is split across that many worker threads besides this one.
   */
  static async create(architecture: FusedArchitecture, model: LayersModel, optimizer: Optimizer, job: TrainJob, workers = 0): Promise<FusedStepper> {
    const trainer = new FusedTrainer(architecture, job.config.batchSize, job.config.loss as FusedLossName, fusedOptimizer(job));
    readModelWeights(trainer.network, model);
    await readOptimizerState(trainer, optimizer);
    const replicas = workers > 0 ? await FusedReplicas.start(trainer, workers, job.config.batchSize) : undefined;
    return new FusedStepper(trainer, model, optimizer, replicas);
  }

  /** Threads a step runs on. */
  get threads(): number {
    return this.replicas?.count ?? 1;
  }

  /** The kernel build the step runs on (`relaxed-simd`: with fused multiply-add). */
  get kernelVariant(): KernelVariant {
    return this.trainer.network.variant;
  }

  trainBatch(batch: Batch, learningRate: number): Promise<void> | void {
    if (this.replicas) {
      return this.replicas.trainBatch(batch, learningRate, this.masks).then((r) => this.add(r, batch.size));
    }
    this.add(this.trainer.step(batch, learningRate, this.masks), batch.size);
  }

  private add(r: { loss: number; correct: number }, rows: number): void {
    this.loss += r.loss * rows;
    this.correct += r.correct;
  }

  runningLoss(): number {
    return this.loss;
  }

  takeTotals(): { loss: number; accuracy: number } {
    const totals = { loss: this.loss, accuracy: this.correct };
    this.loss = 0;
    this.correct = 0;
    return totals;
  }

  async sync(): Promise<void> {
    writeModelWeights(this.trainer.network, this.model);
    await writeOptimizerState(this.trainer, this.optimizer, this.model);
  }

  async close(): Promise<void> {
    // The kernels' memory goes with the trainer; `sync` ran at the end of every epoch.
    await this.replicas?.close();
  }
}

function fusedOptimizer(job: TrainJob): FusedOptimizerConfig {
  const spec = job.config.optimizer;
  if (spec?.sgd) return { type: 'sgd', momentum: spec.sgd.momentum ?? 0 };
  const adam = spec?.adam;
  return { type: 'adam', beta1: adam?.beta1, beta2: adam?.beta2, epsilon: adam?.epsilon };
}

/** The losses the fused kernels implement. */
const FUSED_LOSSES: readonly string[] = ['kl-divergence', 'mse', 'mae', 'categorical-crossentropy'] satisfies FusedLossName[];

function fusedArchitectureOf(job: TrainJob, builder: ModelBuilder): FusedArchitecture | undefined {
  // The binary task's sigmoid head and cross-entropy have no fused kernels: tfjs trains it.
  if (job.shape.task === 'binary') return undefined;
  return describesArchitecture(builder) ? builder.fusedArchitecture({ ...job.shape, task: job.shape.task }) : undefined;
}

/**
 * The fused stepper when `runtime` asks for it and the job allows it, else undefined (tfjs trains). `auto` uses
 * fused whenever the model plugin describes its architecture; `fused` insists (a PrdError says why it cannot).
 * With `workers` > 0 the fused step runs data-parallel on that many worker threads besides the main one.
 */
export async function fusedStepperFor(runtime: LocalConfig['runtime'], job: TrainJob, builder: ModelBuilder, model: LayersModel, optimizer: Optimizer, workers: number, events: RunEvents): Promise<FusedStepper | undefined> {
  if (runtime === 'tfjs') return undefined;
  const architecture = fusedArchitectureOf(job, builder);
  const why = !FUSED_LOSSES.includes(job.config.loss)
    ? `the fused runtime has no kernel for the loss "${job.config.loss}"`
    : !architecture
      ? job.shape.task === 'binary'
        ? 'the binary task (sigmoid head) has no fused kernels'
        : `model "${job.model.use}" does not describe its architecture for the fused runtime`
      : hasRegularisers(model)
        ? 'the model has L2 kernel regularisation (model.with.l2), which the fused kernels do not add to the loss'
        : undefined;
  if (why || !architecture) {
    if (runtime === 'fused') throw new PrdError(`compute.with.runtime is "fused", but ${why}; set /compute/with/runtime to "auto" or "tfjs"`);
    events.log(`training on tfjs: ${why}`);
    return undefined;
  }
  try {
    const stepper = await FusedStepper.create(architecture, model, optimizer, job, workers);
    events.log(`fused step on the ${stepper.kernelVariant} kernels${workers > 0 ? `, data-parallel on ${workers + 1} threads` : ''}`);
    return stepper;
  } catch (error) {
    // A model that does not match its description (a plugin bug) trains on tfjs under `auto`.
    if (runtime === 'fused') throw new PrdError(`the fused runtime cannot train this model: ${(error as Error).message}; set /compute/with/runtime to "tfjs"`);
    events.log(`training on tfjs: ${(error as Error).message}`, 'warn');
    return undefined;
  }
}
