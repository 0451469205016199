import { Type, type Static } from '@sinclair/typebox';

/** Options of the `local` compute backend. */
export const LocalOptions = Type.Object(
  {
    device: Type.Union([Type.Literal('auto'), Type.Literal('wasm'), Type.Literal('cpu'), Type.Literal('native'), Type.Literal('gpu')], {
      default: 'auto',
      description: 'auto: the fastest that loads (gpu, native, wasm, cpu); native/gpu need @tensorflow/tfjs-node(-gpu) installed',
    }),
    workers: Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 0, maximum: 63 })], {
      default: 0,
      description:
        'Worker threads for data-parallel training (the fused step on any device; tfjs steps on wasm/cpu only, as a native backend uses every core itself): each batch is split across the main thread and the workers. 0 (default): single-threaded, so results never depend on the machine; auto: the idle cores (cores minus load average, at most 3 workers) when an epoch has at least 50 batches',
    }),
    runtime: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('fused'), Type.Literal('tfjs')], {
      default: 'auto',
      description:
          'Training step: fused (@prd/fused: forward, backward and optimizer in a few WebAssembly SIMD kernels, for models that describe their architecture: conv1d-residual, mlp), tfjs (TensorFlow.js ops on `device`), or auto: fused where the model allows, else tfjs. Validation and prediction always use tfjs on `device`',
      }),
    ),
    keepCheckpoints: Type.Integer({ minimum: 1, default: 3, description: 'Newest per-epoch checkpoints kept (the best epoch is kept too)' }),
    process: Type.Union([Type.Literal('in-process'), Type.Literal('child')], {
      default: 'in-process',
      description: 'Where training runs: in the prd process, or in a child process started with `prd worker` (the same job file a cluster backend would run); its events are relayed, Ctrl-C stops it',
    }),
    validationBatchSize: Type.Integer({ minimum: 1, default: 1024, description: 'Batch size for validation and prediction' }),
  },
  { additionalProperties: false },
);
/** Resolved options of the `local` backend. */
export type LocalConfig = Static<typeof LocalOptions>;
