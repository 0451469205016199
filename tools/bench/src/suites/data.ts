import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median, type BenchContext, type BenchRow, type BenchSuite } from '../suite.js';

const run = promisify(execFile);

interface PrdSide {
  mode: string;
  seconds: number[];
  attach: number[];
  /** Seconds of the scale step (training tensors from the converted data by the labels), after each pipeline. */
  scale: number[];
  input: number;
  output: number;
  peak_rss_mib: number;
}

interface PandasSide {
  mode: string;
  load: number[];
  steps: number[];
  /** Seconds of the seed's scaling to float32 arrays after each pipeline (pipeline mode). */
  scale: number[];
  attach: number[];
  input: number;
  output: number;
  peak_rss_mib: number;
}

// prd runs with its product default (DuckDB uses every core) unless PRD_THREADS says otherwise; pandas is
// single-threaded by design, which is the reference's own property. Measured on the quiet 2-core machine, two
// DuckDB threads read the 1M-row CSV in 14.2 s against 22.7 s with one; set PRD_THREADS=1 for a one-core comparison.
const threads = process.env.PRD_THREADS;
const options = { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, OMP_NUM_THREADS: '1' } };

async function prd(ctx: BenchContext, mode: string, repetitions = ctx.repetitions): Promise<PrdSide> {
  const child = fileURLToPath(new URL('./data-prd.js', import.meta.url));
  const { stdout } = await run(process.execPath, [child, mode, ctx.dataDir, join(ctx.workDir, 'data'), String(repetitions)], options);
  const side = JSON.parse(stdout) as PrdSide;
  ctx.log(`data: prd ${mode}: ${side.seconds.map((s) => s.toFixed(2)).join(', ')} s (scale ${side.scale.map((s) => s.toFixed(2)).join(', ')} s), ${side.input} -> ${side.output} rows, peak ${side.peak_rss_mib.toFixed(0)} MiB`);
  return side;
}

async function pandas(ctx: BenchContext, mode: string, repetitions = ctx.repetitions): Promise<PandasSide> {
  const script = fileURLToPath(new URL('../../python/data_reference.py', import.meta.url));
  const { stdout } = await run(ctx.python, [script, mode, ctx.dataDir, String(repetitions)], options);
  const side = JSON.parse(stdout) as PandasSide;
  ctx.log(`data: pandas ${mode}: load ${side.load.map((s) => s.toFixed(2)).join(', ')} s, steps ${side.steps.map((s) => s.toFixed(2)).join(', ')} s, scale ${side.scale.map((s) => s.toFixed(2)).join(', ')} s, peak ${side.peak_rss_mib.toFixed(0)} MiB`);
  return side;
}

/** Rows per second of each repetition. */
const rate = (rows: number, seconds: number[]) => seconds.map((s) => rows / s);

function row(name: string, rows: number, mine: number[], theirs: number[], reference: string, memory: [number, number], note: string): BenchRow {
  const value = median(rate(rows, mine));
  const ref = median(rate(rows, theirs));
  return {
    suite: 'data',
    name,
    value,
    unit: 'rows/s',
    better: 'higher',
    samples: rate(rows, mine),
    reference: { name: reference, value: ref, samples: rate(rows, theirs) },
    ratio: value / ref,
    peakMemoryMiB: memory[0],
    referencePeakMemoryMiB: memory[1],
    note,
  };
}

/**
 * Data steps: prd's load + transforms + split (csv source, drop-missing, range, drop-dry, time-space), and with its
 * scale step, against the seed's pandas code on the same merged files (its StandardScaler and float32 arrays timed
 * apart), and NWP band probabilities against the seed's groupby-apply. Each
 * side runs in its own process, so each peak memory is that side's own.
 */
export const dataSuite: BenchSuite = {
  name: 'data',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const cold = await prd(ctx, 'pipeline-cold');
    const warm = await prd(ctx, 'pipeline-warm');
    const refilter = await prd(ctx, 'pipeline-refilter');
    // The slow variants run once: their spread does not change the picture and each takes minutes on 1M rows.
    const direct = await prd(ctx, 'pipeline-csv', 1);
    const reference = await pandas(ctx, 'pipeline');
    const nwp = await prd(ctx, 'nwp');
    const nwpReference = await pandas(ctx, 'nwp', 1);
    const n = reference.input;
    if (cold.input !== n) throw new Error(`data benchmark: prd read ${cold.input} rows, pandas ${n}`);
    const total = reference.load.map((l, i) => l + reference.steps[i]);
    const kept = `${n} rows in, ${cold.output} kept by prd and ${reference.output} by pandas`;
    const setup = `DuckDB threads ${threads ?? 'all cores (product default)'}, memory limit 1 GB`;
    return [
      row('load + transforms + split, from CSV (rows/s)', n, cold.seconds, total, 'seed code: pd.read_csv + dropna, < 50, drop-dry, random_time_space_sample', [cold.peak_rss_mib, reference.peak_rss_mib], `${kept}; prd converts the CSV to Parquet (checked, typed) and writes the split's row labels; ${setup}`),
      row('load + transforms + split, CSV read directly (rows/s)', n, direct.seconds, total, 'seed code: pd.read_csv + steps', [direct.peak_rss_mib, reference.peak_rss_mib], `${kept}; csv source with cache: false; ${setup}`),
      row('load + transforms + split, second run on the same files (rows/s)', n, warm.seconds, total, 'seed code: pd.read_csv + steps (pandas reads the CSV every run)', [warm.peak_rss_mib, reference.peak_rss_mib], `prd reuses its Parquet conversion of the files and the rows its filters kept; ${setup}`),
      row('load + transforms + split, second run with changed filters (rows/s)', n, refilter.seconds, total, 'seed code: pd.read_csv + steps', [refilter.peak_rss_mib, reference.peak_rss_mib], `prd reuses its Parquet conversion, computes the rows the filters keep again; ${setup}`),
      row('load + transforms + split + scale to training tensors, second run (rows/s)', n, warm.seconds.map((s, i) => s + warm.scale[i]), total.map((s, i) => s + reference.scale[i]), 'seed code: pd.read_csv + steps + StandardScaler and reshape to float32 arrays', [warm.peak_rss_mib, reference.peak_rss_mib], `prd: the split step's labels, then the scale step reads the converted data by them once and writes the train / validation / test tensors, metadata and the narrow labelled rows; ${setup}`),
      row('load + transforms + split + scale to training tensors, from CSV (rows/s)', n, cold.seconds.map((s, i) => s + cold.scale[i]), total.map((s, i) => s + reference.scale[i]), 'seed code: pd.read_csv + steps + StandardScaler and reshape to float32 arrays', [cold.peak_rss_mib, reference.peak_rss_mib], `prd: first run (CSV converted to checked Parquet), labels, scale step; ${setup}`),
      row('transforms + split on loaded data (rows/s)', n, warm.seconds, reference.steps, 'seed code: steps on an in-memory DataFrame (read_csv excluded)', [warm.peak_rss_mib, reference.peak_rss_mib], `prd: a second run on the same files, reads its Parquet conversion and writes the split's row labels; pandas: in-memory steps only; ${setup}`),
      row('NWP band probabilities per (time, cell) from 18 members, 5 bands (rows/s)', n, nwp.seconds, nwpReference.steps, "seed code: groupby(['latitude','longitude','time'])[[rate]].apply(lambda) per band (section 3.4)", [nwp.peak_rss_mib, nwpReference.peak_rss_mib], `both on loaded data (prd: its Parquet conversion; pandas: the DataFrame); ${setup}`),
      row('NWP band probabilities attached to every row (rows/s)', n, nwp.seconds.map((s, i) => s + nwp.attach[i]), nwpReference.steps.map((s, i) => s + nwpReference.attach[i]), 'seed code: groupby-apply + pd.merge onto the DataFrame', [nwp.peak_rss_mib, nwpReference.peak_rss_mib], `${nwp.output} rows out (prd), ${nwpReference.output} (pandas); prd streams the joined rows (all columns) to Parquet in 1 GB, pandas merges in memory; ${setup}`),
    ];
  },
};
