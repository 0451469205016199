// The prd side of the data benchmark, run in its own process so that its peak memory is its own.
// Usage: node data-prd.js MODE DATA_DIR WORK_DIR REPETITIONS  -> one JSON line on stdout.
//   pipeline-cold: csv source (CSV -> Parquet conversion each time) + drop-missing, range, drop-dry + time-space split,
//                  writing the split's row labels, as prd's load/transform/split steps do (writeSplitLabels); then,
//                  timed apart as `scale`, the scale step (runScale: tensors, metadata files, one pass over the data).
//   pipeline-warm: the same with the Parquet conversion already made (a second run on the same files; the
//                  conversion is the one pipeline-cold left in WORK_DIR, or is made first, untimed).
//                  The rows the filters keep are remembered too (the transform step's row selection, reused).
//   pipeline-refilter: a second run whose filters changed: the conversion is reused, the kept rows are not (they are
//                  computed again: one scan of every column the filters test).
//   pipeline-csv:  the same reading the CSV files directly (csv source with cache: false).
//   nwp:           NWP band probabilities from total_precip_rate on the converted table, per (time, cell), and
//                  then joined back to every row and written out.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataEngine, literal, runScale, transformData, writeSplitLabels, RunEvents, type DataContext, type StepEnv, type DataSource, type FeatureSpec, type Relation, type Sampler, type TableContext, type Transform } from '@prd/core';
import { BAND_SETS, nwpBandProbabilitySql, precipDomain, withNwpBandProbabilities } from '@prd/precip';
import samplers from '@prd/samplers';
import sources from '@prd/source-csv';
import transforms from '@prd/transforms';

/** The seed notebooks' features: 5 profile variables, the 5 standard bands, MOGREPS-G baseline columns. */
export const BENCH_SPEC: FeatureSpec = {
  profile: ['air_temperature', 'relative_humidity', 'wind_speed', 'wind_from_direction', 'cloud_volume_fraction_in_atmosphere_layer'],
  target: { bands: 'standard-5' },
};

function context(engine: DataEngine, baseDir: string, tempDir: string, pointer: string): DataContext {
  return { seed: 42, baseDir, tempDir, pointer, events: new RunEvents(), engine, spec: BENCH_SPEC };
}

async function create<T>(list: Array<{ kind: string; name: string; create: (o: never, c: never) => unknown }>, kind: string, name: string, options: Record<string, unknown>, ctx: DataContext): Promise<T> {
  const plugin = list.find((p) => p.kind === kind && p.name === name);
  if (!plugin) throw new Error(`no ${kind} plugin ${name}`);
  return (await plugin.create(options as never, ctx as never)) as T;
}

/**
 * Load, transform and split as prd's steps do, then (`scale`, timed apart) the scale step: the train / validation /
 * test tensors and metadata files, read from the converted data by the labels; returns the input and labelled rows.
 */
async function pipeline(dataDir: string, workDir: string, tempDir: string, cache: boolean): Promise<{ input: number; output: number; seconds: number; scale: number }> {
  const engine = await DataEngine.open({ memoryLimit: '1GB', tempDir: join(workDir, 'duckdb') });
  try {
    const start = performance.now();
    const base = context(engine, dataDir, tempDir, '/data/source');
    const source = await create<DataSource>(sources, 'source', 'csv', { paths: ['**/prd_merged_*.csv'], event: 'directory', textColumns: ['forecast_period'], timeColumns: ['time', 'forecast_reference_time'], cache }, base);
    const data = await source.open(base);
    // The transform step itself (transformData), so that the filters' rows are remembered as prd remembers them.
    const steps: Array<[string, Record<string, unknown>]> = [['drop-missing', { columns: 'all' }], ['range', { column: 'radar_mean_rain_instant' }], ['drop-dry', {}]];
    const instances = await Promise.all(steps.map(async ([name, options], i) => ({ use: name, slot: `/data/transforms/${i}`, instance: await create<Transform>(transforms, 'transform', name, options, base) })));
    const env = { engine, spec: BENCH_SPEC, seed: 42, events: base.events, pluginContext: base, cache: { enabled: true }, instances: { transforms: instances, domain: { instance: precipDomain } } } as unknown as StepEnv;
    const prepared = await transformData(env, { source: data, columns: await engine.columns(data.relation) });
    const relation: Relation = { sql: prepared.sql };
    const { features } = prepared;
    const columns = await engine.columns(relation);
    // The seed's preprocess_data: 80 / 20 train / validation by (time, latitude, longitude).
    const ctx: TableContext = { ...base, pointer: '/split', features, columns };
    const sampler = await create<Sampler>(samplers, 'sampler', 'time-space', { validation: 0.2, test: 0, keys: ['time', 'latitude', 'longitude'] }, ctx);
    const assigned = await sampler.assign(relation, ctx);
    const out = join(workDir, 'split');
    mkdirSync(out, { recursive: true });
    const labels = await writeSplitLabels(engine, assigned, features, out);
    const split = performance.now();
    const tensors = join(workDir, 'scale');
    rmSync(tensors, { recursive: true, force: true });
    mkdirSync(tensors);
    await runScale({ engine, seed: 42 }, prepared, out, undefined, tensors);
    const scale = (performance.now() - split) / 1000;
    const input = await engine.count(data.relation);
    return { input, output: labels.counts.train + labels.counts.validation + labels.counts.test, seconds: (split - start) / 1000, scale };
  } finally {
    engine.close();
  }
}

/**
 * NWP band probabilities on the converted table: `seconds` for the per-(time, cell) probabilities (the seed's
 * groupby-apply), `attach` for joining them back onto every row and writing the rows (all columns) to Parquet.
 */
async function nwp(dataDir: string, workDir: string, tempDir: string): Promise<{ input: number; output: number; seconds: number; attach: number }> {
  const engine = await DataEngine.open({ memoryLimit: '1GB', tempDir: join(workDir, 'duckdb') });
  try {
    const base = context(engine, dataDir, tempDir, '/data/source');
    const source = await create<DataSource>(sources, 'source', 'csv', { paths: ['**/prd_merged_*.csv'], event: 'directory', textColumns: ['forecast_period'], timeColumns: ['time', 'forecast_reference_time'], cache: true }, base);
    const data = await source.open(base);
    const input = await engine.count(data.relation);
    const bands = BAND_SETS['standard-5'].map((b) => ({ ...b }));
    const keys = ['time', 'latitude', 'longitude'];
    const start = performance.now();
    await engine.run(`CREATE TABLE probabilities AS ${nwpBandProbabilitySql(data.relation, 'total_precip_rate', bands, 'nwp_fraction_in_band_instant', keys)}`);
    const grouped = performance.now();
    const out = join(workDir, 'nwp.parquet');
    await engine.toParquet(withNwpBandProbabilities(data.relation, 'total_precip_rate', bands, 'nwp_fraction_in_band_instant', keys), out);
    const attach = (performance.now() - grouped) / 1000;
    const output = await engine.count({ sql: `SELECT * FROM read_parquet(${literal(out)})` });
    return { input, output, seconds: (grouped - start) / 1000, attach };
  } finally {
    engine.close();
  }
}

const [mode, dataDir, workDir, repetitions] = process.argv.slice(2);
mkdirSync(workDir, { recursive: true });
// The Parquet conversion that warm runs and the NWP measurement reuse: the last cold run leaves it here.
const shared = join(workDir, 'converted');
const seconds: number[] = [];
const attach: number[] = [];
const scale: number[] = [];
let rows = { input: 0, output: 0 };
if (mode !== 'pipeline-cold' && mode !== 'pipeline-csv' && !existsSync(shared)) {
  mkdirSync(shared);
  await pipeline(dataDir, workDir, shared, true);
}
for (let i = 0; i < Number(repetitions); i++) {
  const fresh = mode === 'pipeline-cold' ? mkdtempSync(join(workDir, 'cold-')) : shared;
  if (mode === 'pipeline-refilter') rmSync(join(shared, 'selections'), { recursive: true, force: true });
  const result: { input: number; output: number; seconds: number; attach?: number; scale?: number } = mode === 'nwp' ? await nwp(dataDir, workDir, fresh) : await pipeline(dataDir, workDir, fresh, mode !== 'pipeline-csv');
  if (fresh !== shared) {
    if (!existsSync(shared)) renameSync(fresh, shared);
    else rmSync(fresh, { recursive: true, force: true });
  }
  seconds.push(result.seconds);
  if (result.attach !== undefined) attach.push(result.attach);
  if (result.scale !== undefined) scale.push(result.scale);
  rows = { input: result.input, output: result.output };
}
process.stdout.write(`${JSON.stringify({ mode, seconds, attach, scale, ...rows, threads: Number(process.env.PRD_THREADS) || null, peak_rss_mib: process.resourceUsage().maxRSS / 1024 })}\n`);
