import { median, type BenchRow } from '../suite.js';

/** What one training side measured (one process per repetition, merged). */
export interface SideResult {
  mode: string;
  runtime: string;
  samplesPerSecond: number[];
  /** Samples per CPU-second of the whole trainLocal call (model build, epoch, checkpoint), all threads. */
  cpuSamplesPerSecond?: number[];
  peakRssMiB: number;
}

/** What keras_reference.py prints. */
export interface KerasResult {
  samples_per_second: number[];
  cpu_samples_per_second: number[];
  parameters: number;
  tensorflow: string;
  intra_op_threads: number;
}

/** Everything measured at one batch size, in the same run. */
export interface BatchResults {
  batch: number;
  modes: string[];
  sides: Map<string, SideResult>;
  keras?: KerasResult;
  keras1?: KerasResult;
  /** Rows per timed epoch of the fast sides and of the pure-JS one. */
  rows: { fast: number; slow: number };
}

/** The bench sides of the fused step: on one thread, and data-parallel over the cores. */
export const FUSED_MODES = ['prd-fused', 'prd-fused-threads'] as const;

const perRepetition = (mine: number[], ref: number[]) => mine.map((v, i) => (v / ref[i]).toFixed(2)).join(', ');
const label = (s: SideResult) => `${s.runtime}${s.mode.endsWith('-threads') ? ' (data-parallel)' : ''}`;

/**
 * The benchmark rows of one batch size: every side against Keras (all threads, one thread) and stock tfjs-cpu,
 * fused and native against prd's tfjs-wasm step, wall-clock and per CPU-second; each ratio also per repetition.
 */
export function trainingRows({ batch, modes, sides: results, keras, keras1, rows: epochRows }: BatchResults): BenchRow[] {
  const title = `seed model training, batch ${batch}`;
  const stock = results.get('stock-cpu');
  const sides = modes.map((m) => results.get(m)).filter((s): s is SideResult => s !== undefined);
  const rows: BenchRow[] = [];
  const wasm = results.get('prd-wasm');
  // Per repetition too: the sides of one repetition ran minutes apart at most, under the same load.
  for (const s of wasm ? sides.filter((x) => (FUSED_MODES as readonly string[]).includes(x.mode) || x.mode === 'prd-native') : []) {
    rows.push({
      suite: 'training',
      name: `${title}, ${label(s)} vs prd ${wasm!.runtime} (samples/s)`,
      unit: 'samples/s',
      better: 'higher',
      value: median(s.samplesPerSecond),
      samples: s.samplesPerSecond,
      reference: { name: `prd ${wasm!.runtime} (tfjs step)`, value: median(wasm!.samplesPerSecond), samples: wasm!.samplesPerSecond },
      ratio: median(s.samplesPerSecond) / median(wasm!.samplesPerSecond),
      note: `ratio per repetition: ${perRepetition(s.samplesPerSecond, wasm!.samplesPerSecond)}`,
    });
  }
  // Per CPU-second: on a machine shared with other jobs, wall-clock rates measure the scheduler as much as the code.
  const cpuRow = (s: SideResult, refName: string, ref: number[]) => {
    const mine = s.cpuSamplesPerSecond ?? [];
    if (!mine.length || !ref.length) return;
    rows.push({
      suite: 'training',
      name: `${title}, ${label(s)} vs ${refName} (samples per CPU-second)`,
      unit: 'samples/CPU-s',
      better: 'higher',
      value: median(mine),
      samples: mine,
      reference: { name: refName, value: median(ref), samples: ref },
      ratio: median(mine) / median(ref),
      note: `prd: CPU time of the whole trainLocal call (build, epoch, checkpoint); Keras: of model.fit; ratio per repetition: ${perRepetition(mine, ref)}`,
    });
  };
  for (const s of sides) {
    if (keras1) cpuRow(s, 'Keras on 1 thread', keras1.cpu_samples_per_second);
    if (keras) cpuRow(s, 'Keras on all threads', keras.cpu_samples_per_second);
  }
  for (const mode of FUSED_MODES) {
    const fused = results.get(mode);
    if (fused && wasm) cpuRow(fused, `prd ${wasm.runtime} (tfjs step)`, wasm.cpuSamplesPerSecond ?? []);
  }
  for (const s of sides) {
    const value = median(s.samplesPerSecond);
    const base = { suite: 'training', unit: 'samples/s', better: 'higher' as const, value, samples: s.samplesPerSecond, peakMemoryMiB: s.peakRssMiB };
    if (keras) {
      rows.push({
        ...base,
        name: `${title}, ${label(s)} vs Keras (samples/s)`,
        reference: { name: `Keras, TensorFlow ${keras.tensorflow} (${keras.intra_op_threads || 'all'} threads)`, value: median(keras.samples_per_second), samples: keras.samples_per_second },
        ratio: value / median(keras.samples_per_second),
        note: `same tensor file; Keras times model.fit over the same rows after a warm-up; ratio per repetition: ${perRepetition(s.samplesPerSecond, keras.samples_per_second)}`,
      });
    }
    if (keras1) {
      rows.push({
        ...base,
        name: `${title}, ${label(s)} vs Keras on 1 thread (samples/s)`,
        reference: { name: `Keras, TensorFlow ${keras1.tensorflow} (KERAS_THREADS=1)`, value: median(keras1.samples_per_second), samples: keras1.samples_per_second },
        ratio: value / median(keras1.samples_per_second),
        note: `ratio per repetition: ${perRepetition(s.samplesPerSecond, keras1.samples_per_second)}`,
      });
    }
    if (!stock) continue;
    rows.push({
      ...base,
      name: `${title}, ${label(s)} vs stock tfjs-cpu (samples/s)`,
      reference: { name: 'stock tfjs-cpu: plain tfjs layers, model.fit', value: median(stock.samplesPerSecond), samples: stock.samplesPerSecond },
      ratio: value / median(stock.samplesPerSecond),
      referencePeakMemoryMiB: stock.peakRssMiB,
      note: `181,694 parameters, KL divergence, Adam; ${s.mode === 'prd-cpu' ? epochRows.slow : epochRows.fast} rows per epoch`,
    });
  }
  return rows;
}
