import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { RunEvents, SeededRandom, TensorFile, TensorFileWriter, type ModelBuilder, type ModelShape, type TensorLayout } from '@prd/core';
import { buildConv1dResidual, conv1dResidualArchitecture } from '@prd/model-conv1d';
import { trainLocal } from '@prd/backend-local';
import { selectBackend, tf, type Device } from '@prd/tensor';
import { ensureNativeTfjs, NATIVE_DIR, NativeSetupError } from '../native-env.js';
import type { BenchContext, BenchRow, BenchSuite } from '../suite.js';
import { FUSED_MODES, trainingRows, type BatchResults, type KerasResult, type SideResult } from './training-rows.js';

const run = promisify(execFile);
const THIS_FILE = fileURLToPath(import.meta.url);
const LAYOUT: TensorLayout = { heights: 33, profileFeatures: 5, singleLevel: 0, outputs: 5 };
const SHAPE: ModelShape = { ...LAYOUT, task: 'bands' };
const SEED_MODEL = { filters: 32, kernelSize: 3, convLayers: 3, headUnits: [1024, 1024], activation: 'relu' as const, dropout: 0 };
/** Batch sizes measured unless PRD_BENCH_TRAINING_BATCHES says otherwise (e.g. "64"). */
const BATCHES = [64, 256];
/** Rows per timed epoch: enough steps for a stable rate, few enough that the slow pure-JS backends finish. */
const ROWS = { fast: 64 * 250, slow: 64 * 5 };


/**
 * Standardised-looking profiles whose band fractions are a softmax of a fixed function of the profile, so both
 * frameworks fit something real. Seeded: the same file every time.
 */
function writeTensorFile(path: string, rows: number): TensorFile {
  if (existsSync(`${path}.json`) && TensorFile.open(path).rows === rows) return TensorFile.open(path);
  const writer = new TensorFileWriter(path, LAYOUT);
  const random = new SeededRandom(20221216);
  const inputs = LAYOUT.heights * LAYOUT.profileFeatures;
  const width = inputs + LAYOUT.outputs;
  const chunk = 4096;
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    const buf = new Float32Array(n * width);
    for (let r = 0; r < n; r++) {
      const logits = [0, 0, 0, 0, 0];
      for (let j = 0; j < inputs; j++) {
        const v = (random.next() + random.next() + random.next() - 1.5) * 2;
        buf[r * width + j] = v;
        logits[j % 5] += v * (j < inputs / 2 ? 0.4 : -0.25);
      }
      const max = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - max));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((v, k) => (buf[r * width + inputs + k] = v / sum));
    }
    writer.append(buf, n);
  }
  writer.close();
  return TensorFile.open(path);
}

/** Stock tfjs: plain layers model, tfjs' Adam and KL loss, `model.fit`, none of prd's kernel fixes. */
async function stockSide(device: 'cpu', file: TensorFile, rows: number, repetitions: number, batch: number): Promise<number[]> {
  await selectBackend(device);
  const model = buildConv1dResidual(SHAPE, SEED_MODEL, 42);
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'kullbackLeiblerDivergence', metrics: ['accuracy'] });
  const data = file.readRows(0, rows);
  const width = file.width;
  const inputs = LAYOUT.heights * LAYOUT.profileFeatures;
  const x = tf.tensor3d(data.filter((_, i) => i % width < inputs), [rows, LAYOUT.heights, LAYOUT.profileFeatures]);
  const y = tf.tensor2d(data.filter((_, i) => i % width >= inputs), [rows, LAYOUT.outputs]);
  await model.fit(tf.slice(x, 0, batch), tf.slice(y, 0, batch), { batchSize: batch, epochs: 1, verbose: 0 });
  const rates: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const start = performance.now();
    await model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0, shuffle: true });
    rates.push(rows / ((performance.now() - start) / 1000));
  }
  return rates;
}

/**
 * prd's local backend: the product's training loop on `device` (the tfjs step) or with the fused step
 * (`runtime: fused`, @prd/fused), one epoch per repetition.
 */
async function prdSide(device: Device, workers: number | 'auto', runtime: 'tfjs' | 'fused', file: TensorFile, workDir: string, repetitions: number, batch: number): Promise<{ runtime: string; rates: number[]; cpuRates: number[] }> {
  const rates: number[] = [];
  const cpuRates: number[] = [];
  let label = '';
  // A pure-JS epoch takes minutes and has nothing to warm up that matters at that pace.
  const warmUp = device === 'cpu' ? 0 : 1;
  for (let i = 0; i < repetitions + warmUp; i++) {
    const dir = mkdtempSync(join(workDir, `prd-${device}-`));
    const cpuStart = process.cpuUsage();
    try {
      const outcome = await trainLocal(
        {
          model: { use: 'conv1d-residual', with: SEED_MODEL },
          shape: SHAPE,
          train: file.path,
          config: { epochs: 1, batchSize: batch, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.001 } } },
          seed: 42,
          modelDir: join(dir, 'model'),
          checkpointDir: join(dir, 'checkpoints'),
          resume: false,
        },
        {
          model: { build: (shape: ModelShape) => buildConv1dResidual(shape, SEED_MODEL, 42), fusedArchitecture: (shape: ModelShape) => conv1dResidualArchitecture(shape, SEED_MODEL) } as ModelBuilder,
          events: new RunEvents(),
          signal: new AbortController().signal,
        },
        { device, workers, runtime, keepCheckpoints: 1, validationBatchSize: 1024, process: 'in-process' },
      );
      label = outcome.runtime;
      // The first epoch includes JIT warm-up and kernel setup; Keras' side also warms up before timing.
      if (i >= warmUp) rates.push(outcome.samplesPerSecond);
      const cpu = process.cpuUsage(cpuStart);
      if (i >= warmUp) cpuRates.push(file.rows / ((cpu.user + cpu.system) / 1e6));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { runtime: label, rates, cpuRates };
}

/** Child process entry: one side per process, so backends, kernel patches and peak memory never mix. */
async function child(args: string[]): Promise<void> {
  const [mode, path, workDir, repetitions, batchSize] = args;
  const reps = Number(repetitions);
  const batch = Number(batchSize);
  let result: SideResult;
  if (mode === 'stock-cpu') {
    const file = TensorFile.open(path);
    result = { mode, runtime: 'tfjs-cpu (stock)', samplesPerSecond: await stockSide('cpu', file, ROWS.slow, reps, batch), peakRssMiB: 0 };
  } else if ((FUSED_MODES as readonly string[]).includes(mode)) {
    // The fused step, on one thread or split across the cores; tfjs-wasm is loaded for validation and saving only.
    await selectBackend('wasm');
    const workers = mode === 'prd-fused' ? 0 : Math.max(1, availableParallelism() - 1);
    const { runtime, rates, cpuRates } = await prdSide('wasm', workers, 'fused', TensorFile.open(path), workDir, reps, batch);
    result = { mode, runtime, samplesPerSecond: rates, cpuSamplesPerSecond: cpuRates, peakRssMiB: 0 };
  } else {
    // prd-<device> is single-threaded; prd-<device>-threads splits batches across the cores (workers: auto).
    const [, device, threads] = /^prd-(\w+?)(-threads)?$/.exec(mode)!;
    await selectBackend(device as Device);
    const file = TensorFile.open(device === 'cpu' ? `${path}.small` : path);
    const { runtime, rates, cpuRates } = await prdSide(device as Device, threads ? Math.max(1, availableParallelism() - 1) : 0, 'tfjs', file, workDir, reps, batch);
    result = { mode, runtime, samplesPerSecond: rates, cpuSamplesPerSecond: cpuRates, peakRssMiB: 0 };
  }
  result.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const options = { maxBuffer: 16 * 1024 * 1024 };

/** One side in its own process; `nodePath` is where the native side finds tfjs-node (the benchmark's own build). */
async function side(ctx: BenchContext, mode: string, path: string, repetitions: number, batch: number, nodePath?: string): Promise<SideResult> {
  const env = nodePath ? { ...process.env, NODE_PATH: nodePath, TF_CPP_MIN_LOG_LEVEL: '2' } : process.env;
  const { stdout } = await run(process.execPath, [THIS_FILE, '--child', mode, path, ctx.workDir, String(repetitions), String(batch)], { ...options, env });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as SideResult;
  const cpu = result.cpuSamplesPerSecond?.length ? `; ${result.cpuSamplesPerSecond.map((s) => s.toFixed(0)).join(', ')} per CPU-second` : '';
  ctx.log(`training, batch ${batch}: ${mode} (${result.runtime}): ${result.samplesPerSecond.map((s) => s.toFixed(0)).join(', ')} samples/s${cpu}`);
  return result;
}


/** Keras on all threads, or on `threads` (KERAS_THREADS): prd's step runs on one. */
async function keras(ctx: BenchContext, path: string, rows: number, repetitions: number, batch: number, threads = 0): Promise<KerasResult> {
  const script = fileURLToPath(new URL('../../python/keras_reference.py', import.meta.url));
  const env = threads ? { ...process.env, KERAS_THREADS: String(threads) } : process.env;
  const { stdout } = await run(ctx.python, [script, path, String(rows), String(repetitions), String(batch)], { ...options, env });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as KerasResult;
  ctx.log(`training, batch ${batch}: keras ${result.tensorflow}${threads ? ` (${threads} thread)` : ''}: ${result.samples_per_second.map((s) => s.toFixed(0)).join(', ')} samples/s; ${result.cpu_samples_per_second.map((s) => s.toFixed(0)).join(', ')} per CPU-second`);
  return result;
}

/** Whether tfjs-node-gpu is installed beside the project (it cannot be built here: it needs CUDA). */
function gpuInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
}

/** Comma-separated numbers or names from an environment variable, or undefined when it is unset. */
function listFromEnv(name: string): string[] | undefined {
  return process.env[name]?.split(',').map((x) => x.trim()).filter(Boolean);
}

/** The native side's tfjs-node, built on demand (see native-env.ts); undefined, with the reason logged, if it cannot be. */
function nativeModules(ctx: BenchContext): string | undefined {
  try {
    return ensureNativeTfjs(NATIVE_DIR, ctx.python, ctx.log);
  } catch (error) {
    if (!(error instanceof NativeSetupError)) throw error;
    ctx.log(`training: the native side is skipped, tfjs-node could not be built: ${error.message}`);
    return undefined;
  }
}

/**
 * Training throughput of the seed's profile-only model (33 heights x 5 features, 181,694 parameters, KL divergence,
 * Adam) at each batch size on every backend (fused, tfjs-node built against PyPI's TensorFlow, wasm, pure JS),
 * against stock tfjs-cpu (plain tfjs layers and `model.fit`) and against Keras (TensorFlow from PyPI) on the same
 * tensor file in the same run.
 */
export const trainingSuite: BenchSuite = {
  name: 'training',
  // It writes its own tensor file.
  dataset: false,
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const path = join(ctx.workDir, 'train.f32');
    writeTensorFile(path, ROWS.fast);
    writeTensorFile(`${path}.small`, ROWS.slow);
    // PRD_BENCH_TRAINING_SIDES (e.g. "fused,wasm,native,keras") measures only some sides: the pure-JS ones take minutes.
    const only = listFromEnv('PRD_BENCH_TRAINING_SIDES');
    const wanted = (name: string) => !only || only.includes(name);
    const batches = listFromEnv('PRD_BENCH_TRAINING_BATCHES')?.map(Number) ?? BATCHES;
    if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new Error(`PRD_BENCH_TRAINING_BATCHES must list positive integers, not "${process.env.PRD_BENCH_TRAINING_BATCHES}"`);
    const nodePath = wanted('native') ? nativeModules(ctx) : undefined;
    const modes = [...FUSED_MODES, ...(gpuInstalled() ? ['prd-gpu'] : []), ...(nodePath ? ['prd-native'] : []), 'prd-wasm', 'prd-wasm-threads', 'prd-cpu'].filter((m) => wanted(m.slice(4)));
    const rows: BenchRow[] = [];
    for (const batch of batches) {
      // Repetitions go round all sides in turn, one process each, so that the load of a shared machine, which
      // changes by the minute, falls on every side alike.
      const measured: BatchResults = { batch, modes, sides: new Map(), rows: ROWS };
      const merge = (r: SideResult) => {
        const seen = measured.sides.get(r.mode);
        measured.sides.set(r.mode, seen ? { ...seen, samplesPerSecond: [...seen.samplesPerSecond, ...r.samplesPerSecond], cpuSamplesPerSecond: [...(seen.cpuSamplesPerSecond ?? []), ...(r.cpuSamplesPerSecond ?? [])], peakRssMiB: Math.max(seen.peakRssMiB, r.peakRssMiB) } : r);
      };
      const mergeKeras = (seen: KerasResult | undefined, k: KerasResult): KerasResult => (seen ? { ...seen, samples_per_second: [...seen.samples_per_second, ...k.samples_per_second], cpu_samples_per_second: [...seen.cpu_samples_per_second, ...k.cpu_samples_per_second] } : k);
      for (let rep = 0; rep < ctx.repetitions; rep++) {
        ctx.log(`training, batch ${batch}: repetition ${rep + 1} of ${ctx.repetitions}`);
        if (wanted('stock-cpu')) merge(await side(ctx, 'stock-cpu', path, 1, batch));
        if (wanted('keras')) measured.keras = mergeKeras(measured.keras, await keras(ctx, path, ROWS.fast, 1, batch));
        // One thread each: on a machine shared with other jobs, the scheduler gives a 2-thread process two shares.
        if (wanted('keras-1-thread')) measured.keras1 = mergeKeras(measured.keras1, await keras(ctx, path, ROWS.fast, 1, batch, 1));
        for (const mode of modes) merge(await side(ctx, mode, path, 1, batch, mode === 'prd-native' ? nodePath : undefined));
      }
      rows.push(...trainingRows(measured));
    }
    return rows;
  },
};

if (process.argv[2] === '--child' && process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await child(process.argv.slice(3));
}
