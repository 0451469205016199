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
import { median, type BenchContext, type BenchRow, type BenchSuite } from '../suite.js';

const run = promisify(execFile);
const THIS_FILE = fileURLToPath(import.meta.url);
const LAYOUT: TensorLayout = { heights: 33, profileFeatures: 5, singleLevel: 0, outputs: 5 };
const SHAPE: ModelShape = { ...LAYOUT, task: 'bands' };
const SEED_MODEL = { filters: 32, kernelSize: 3, convLayers: 3, headUnits: [1024, 1024], activation: 'relu' as const, dropout: 0 };
const BATCH = 64;
/** Rows per timed epoch: enough steps for a stable rate, few enough that the slow pure-JS backends finish. */
const ROWS = { fast: 64 * 250, slow: 64 * 5 };

interface SideResult {
  mode: string;
  runtime: string;
  samplesPerSecond: number[];
  /** Samples per CPU-second of the whole trainLocal call (model build, epoch, checkpoint), all threads. */
  cpuSamplesPerSecond?: number[];
  peakRssMiB: number;
}

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
async function stockSide(device: 'cpu', file: TensorFile, rows: number, repetitions: number): Promise<number[]> {
  await selectBackend(device);
  const model = buildConv1dResidual(SHAPE, SEED_MODEL, 42);
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'kullbackLeiblerDivergence', metrics: ['accuracy'] });
  const data = file.readRows(0, rows);
  const width = file.width;
  const inputs = LAYOUT.heights * LAYOUT.profileFeatures;
  const x = tf.tensor3d(data.filter((_, i) => i % width < inputs), [rows, LAYOUT.heights, LAYOUT.profileFeatures]);
  const y = tf.tensor2d(data.filter((_, i) => i % width >= inputs), [rows, LAYOUT.outputs]);
  await model.fit(tf.slice(x, 0, BATCH), tf.slice(y, 0, BATCH), { batchSize: BATCH, epochs: 1, verbose: 0 });
  const rates: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const start = performance.now();
    await model.fit(x, y, { batchSize: BATCH, epochs: 1, verbose: 0, shuffle: true });
    rates.push(rows / ((performance.now() - start) / 1000));
  }
  return rates;
}

/**
 * prd's local backend: the product's training loop on `device` (the tfjs step) or with the fused step
 * (`runtime: fused`, @prd/fused), one epoch per repetition.
 */
async function prdSide(device: Device, workers: number | 'auto', runtime: 'tfjs' | 'fused', file: TensorFile, workDir: string, repetitions: number): Promise<{ runtime: string; rates: number[]; cpuRates: number[] }> {
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
          config: { epochs: 1, batchSize: BATCH, loss: 'kl-divergence', optimizer: { adam: { learningRate: 0.001 } } },
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
  const [mode, path, workDir, repetitions] = args;
  const reps = Number(repetitions);
  let result: SideResult;
  if (mode === 'stock-cpu') {
    const file = TensorFile.open(path);
    result = { mode, runtime: 'tfjs-cpu (stock)', samplesPerSecond: await stockSide('cpu', file, ROWS.slow, reps), peakRssMiB: 0 };
  } else if (mode === 'prd-fused') {
    // The fused step; tfjs-wasm is loaded for validation and saving only.
    await selectBackend('wasm');
    const { runtime, rates, cpuRates } = await prdSide('wasm', 0, 'fused', TensorFile.open(path), workDir, reps);
    result = { mode, runtime, samplesPerSecond: rates, cpuSamplesPerSecond: cpuRates, peakRssMiB: 0 };
  } else {
    // prd-<device> is single-threaded; prd-<device>-threads splits batches across the cores (workers: auto).
    const [, device, threads] = /^prd-(\w+?)(-threads)?$/.exec(mode)!;
    await selectBackend(device as Device);
    const file = TensorFile.open(device === 'cpu' ? `${path}.small` : path);
    const { runtime, rates, cpuRates } = await prdSide(device as Device, threads ? Math.max(1, availableParallelism() - 1) : 0, 'tfjs', file, workDir, reps);
    result = { mode, runtime, samplesPerSecond: rates, cpuSamplesPerSecond: cpuRates, peakRssMiB: 0 };
  }
  result.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const options = { maxBuffer: 16 * 1024 * 1024 };

async function side(ctx: BenchContext, mode: string, path: string, repetitions: number): Promise<SideResult> {
  const { stdout } = await run(process.execPath, [THIS_FILE, '--child', mode, path, ctx.workDir, String(repetitions)], options);
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as SideResult;
  const cpu = result.cpuSamplesPerSecond?.length ? `; ${result.cpuSamplesPerSecond.map((s) => s.toFixed(0)).join(', ')} per CPU-second` : '';
  ctx.log(`training: ${mode} (${result.runtime}): ${result.samplesPerSecond.map((s) => s.toFixed(0)).join(', ')} samples/s${cpu}`);
  return result;
}

interface KerasResult {
  samples_per_second: number[];
  cpu_samples_per_second: number[];
  parameters: number;
  tensorflow: string;
  intra_op_threads: number;
}

/** Keras on all threads, or on `threads` (KERAS_THREADS): prd's step runs on one. */
async function keras(ctx: BenchContext, path: string, rows: number, repetitions: number, threads = 0): Promise<KerasResult> {
  const script = fileURLToPath(new URL('../../python/keras_reference.py', import.meta.url));
  const env = threads ? { ...process.env, KERAS_THREADS: String(threads) } : process.env;
  const { stdout } = await run(ctx.python, [script, path, String(rows), String(repetitions), String(BATCH)], { ...options, env });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as KerasResult;
  ctx.log(`training: keras ${result.tensorflow}${threads ? ` (${threads} thread)` : ''}: ${result.samples_per_second.map((s) => s.toFixed(0)).join(', ')} samples/s; ${result.cpu_samples_per_second.map((s) => s.toFixed(0)).join(', ')} per CPU-second`);
  return result;
}

function nativeAvailable(): Device[] {
  const require = createRequire(import.meta.url);
  const found: Device[] = [];
  for (const [device, name] of [['gpu', '@tensorflow/tfjs-node-gpu'], ['native', '@tensorflow/tfjs-node']] as const) {
    try {
      require.resolve(name);
      found.push(device);
    } catch {
      // not installed: that backend is simply not measured
    }
  }
  return found;
}

/**
 * Training throughput of the seed's profile-only model (33 heights x 5 features, 181,694 parameters, batch 64,
 * KL divergence, Adam) on every available backend, against stock tfjs-cpu (plain tfjs layers and `model.fit`)
 * and against Keras (TensorFlow from PyPI) on the same tensor file in the same run.
 */
export const trainingSuite: BenchSuite = {
  name: 'training',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const path = join(ctx.workDir, 'train.f32');
    writeTensorFile(path, ROWS.fast);
    writeTensorFile(`${path}.small`, ROWS.slow);
    // PRD_BENCH_TRAINING_SIDES (e.g. "fused,wasm,keras") measures only some sides: the pure-JS ones take minutes.
    const only = process.env.PRD_BENCH_TRAINING_SIDES?.split(',').map((x) => x.trim());
    const wanted = (name: string) => !only || only.includes(name);
    const modes = ['prd-fused', ...nativeAvailable().map((d) => `prd-${d}`), 'prd-wasm', 'prd-wasm-threads', 'prd-cpu'].filter((m) => wanted(m.slice(4)));
    // Repetitions go round all sides in turn, one process each, so that the load of a shared machine, which
    // changes by the minute, falls on every side alike.
    const results = new Map<string, SideResult>();
    let kerasResult: KerasResult | undefined;
    let keras1: KerasResult | undefined;
    const merge = (r: SideResult) => {
      const seen = results.get(r.mode);
      results.set(r.mode, seen ? { ...seen, samplesPerSecond: [...seen.samplesPerSecond, ...r.samplesPerSecond], cpuSamplesPerSecond: [...(seen.cpuSamplesPerSecond ?? []), ...(r.cpuSamplesPerSecond ?? [])], peakRssMiB: Math.max(seen.peakRssMiB, r.peakRssMiB) } : r);
    };
    for (let rep = 0; rep < ctx.repetitions; rep++) {
      ctx.log(`training: repetition ${rep + 1} of ${ctx.repetitions}`);
      if (wanted('stock-cpu')) merge(await side(ctx, 'stock-cpu', path, 1));
      if (wanted('keras')) {
        const k = await keras(ctx, path, ROWS.fast, 1);
        kerasResult = kerasResult ? { ...kerasResult, samples_per_second: [...kerasResult.samples_per_second, ...k.samples_per_second], cpu_samples_per_second: [...kerasResult.cpu_samples_per_second, ...k.cpu_samples_per_second] } : k;
      }
      // One thread each: on a machine shared with other jobs, the scheduler gives a 2-thread process two shares.
      if (wanted('keras-1-thread')) {
        const k = await keras(ctx, path, ROWS.fast, 1, 1);
        keras1 = keras1 ? { ...keras1, samples_per_second: [...keras1.samples_per_second, ...k.samples_per_second], cpu_samples_per_second: [...keras1.cpu_samples_per_second, ...k.cpu_samples_per_second] } : k;
      }
      for (const mode of modes) merge(await side(ctx, mode, path, 1));
    }
    const stock = results.get('stock-cpu');
    const sides = modes.map((m) => results.get(m)!);
    const stockRate = stock ? median(stock.samplesPerSecond) : NaN;
    const kerasRate = kerasResult ? median(kerasResult.samples_per_second) : NaN;
    const rows: BenchRow[] = [];
    const fused = results.get('prd-fused');
    const wasm = results.get('prd-wasm');
    if (fused && wasm) {
      // Per repetition too: the sides of one repetition ran minutes apart at most, under the same load.
      const perRep = fused.samplesPerSecond.map((f, i) => f / wasm.samplesPerSecond[i]);
      rows.push({
        suite: 'training',
        name: `seed model training, ${fused.runtime} vs prd ${wasm.runtime} (samples/s)`,
        unit: 'samples/s',
        better: 'higher',
        value: median(fused.samplesPerSecond),
        samples: fused.samplesPerSecond,
        reference: { name: `prd ${wasm.runtime} (tfjs step)`, value: median(wasm.samplesPerSecond), samples: wasm.samplesPerSecond },
        ratio: median(fused.samplesPerSecond) / median(wasm.samplesPerSecond),
        note: `ratio per repetition: ${perRep.map((r) => r.toFixed(2)).join(', ')}`,
      });
    }
    // Per CPU-second: on a machine shared with other jobs, wall-clock rates measure the scheduler as much as the code.
    const cpuRow = (s: SideResult, refName: string, ref: number[]) => {
      const mine = s.cpuSamplesPerSecond ?? [];
      if (!mine.length || !ref.length) return;
      rows.push({
        suite: 'training',
        name: `seed model training, ${s.runtime} vs ${refName} (samples per CPU-second)`,
        unit: 'samples/CPU-s',
        better: 'higher',
        value: median(mine),
        samples: mine,
        reference: { name: refName, value: median(ref), samples: ref },
        ratio: median(mine) / median(ref),
        note: `prd: CPU time of the whole trainLocal call (build, epoch, checkpoint); Keras: of model.fit; ratio per repetition: ${mine.map((v, i) => (v / ref[i]).toFixed(2)).join(', ')}`,
      });
    };
    for (const s of sides) {
      if (keras1) cpuRow(s, 'Keras on 1 thread', keras1.cpu_samples_per_second);
      if (kerasResult) cpuRow(s, 'Keras on all threads', kerasResult.cpu_samples_per_second);
    }
    if (fused && wasm) cpuRow(fused, `prd ${wasm.runtime} (tfjs step)`, wasm.cpuSamplesPerSecond ?? []);
    for (const s of sides) {
      const value = median(s.samplesPerSecond);
      const base = { suite: 'training', unit: 'samples/s', better: 'higher' as const, value, samples: s.samplesPerSecond, peakMemoryMiB: s.peakRssMiB };
      if (kerasResult) {
        const perRep = s.samplesPerSecond.map((v, i) => v / kerasResult!.samples_per_second[i]);
        rows.push({
          ...base,
          name: `seed model training, ${s.runtime}${s.mode.endsWith('-threads') ? ' (data-parallel)' : ''} vs Keras (samples/s)`,
          reference: { name: `Keras, TensorFlow ${kerasResult.tensorflow} (${kerasResult.intra_op_threads || 'all'} threads)`, value: kerasRate, samples: kerasResult.samples_per_second },
          ratio: value / kerasRate,
          note: `same tensor file; Keras times model.fit over the same rows after a warm-up; ratio per repetition: ${perRep.map((r) => r.toFixed(2)).join(', ')}`,
        });
      }
      if (keras1) {
        const perRep = s.samplesPerSecond.map((v, i) => v / keras1!.samples_per_second[i]);
        rows.push({
          ...base,
          name: `seed model training, ${s.runtime}${s.mode.endsWith('-threads') ? ' (data-parallel)' : ''} vs Keras on 1 thread (samples/s)`,
          reference: { name: `Keras, TensorFlow ${keras1.tensorflow} (KERAS_THREADS=1)`, value: median(keras1.samples_per_second), samples: keras1.samples_per_second },
          ratio: value / median(keras1.samples_per_second),
          note: `ratio per repetition: ${perRep.map((r) => r.toFixed(2)).join(', ')}`,
        });
      }
      if (!stock) continue;
      rows.push({
        ...base,
        name: `seed model training, ${s.runtime}${s.mode.endsWith('-threads') ? ' (data-parallel)' : ''} vs stock tfjs-cpu (samples/s)`,
        reference: { name: 'stock tfjs-cpu: plain tfjs layers, model.fit', value: stockRate, samples: stock.samplesPerSecond },
        ratio: value / stockRate,
        referencePeakMemoryMiB: stock.peakRssMiB,
        note: `181,694 parameters, batch ${BATCH}, KL divergence, Adam; ${s.mode === 'prd-cpu' ? ROWS.slow : ROWS.fast} rows per epoch`,
      });
    }
    return rows;
  },
};

if (process.argv[2] === '--child' && process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await child(process.argv.slice(3));
}
