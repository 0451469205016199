// Test helper (not part of the package build): a finished run directory made of real computations on seeded data:
// an ensemble predictions.csv with smooth rain fields, metrics.json and per-cell tables from the precipitation
// evaluators, history.csv from core's writer, and explainer outputs in the explainers' JSON formats.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataEngine, historyCsv, literal, mergeMetrics, RunEvents, SeededRandom, type Evaluator, type Manifest, type MetricTree, type Preprocessing } from '@prd/core';
import { BAND_SETS } from '@prd/precip';
import evaluators from '@prd/evaluators-precip';
import explainers from '@prd/explainers';

const BANDS = BAND_SETS['standard-5'].map((b) => ({ ...b }));
const KEYS = BANDS.map((b) => b.key);
const HEIGHTS = [5, 10, 20, 30, 50, 75, 100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750, 3000, 3250, 3500, 3750, 4000, 4500, 5000, 5500, 6000];
const PROFILE = ['relative_humidity', 'air_temperature', 'wind_speed', 'wind_from_direction'];

/** preprocessing.json of a 5-band run with an NWP baseline. */
export function preprocessing(): Preprocessing {
  return {
    format: 'prd-preprocessing',
    version: 1,
    task: 'bands',
    metadata: ['time', 'realization', 'latitude', 'longitude'],
    heights: HEIGHTS,
    profile: PROFILE.map((name) => ({ name, columns: HEIGHTS.map((h) => `${name}_${h.toFixed(1)}`) })),
    singleLevel: ['air_pressure_at_sea_level'],
    scaler: { columns: [], mean: [], std: [] },
    bands: BANDS,
    target: { columns: KEYS.map((k) => `radar_fraction_in_band_instant_${k}`), sources: KEYS.map((k) => [`radar_fraction_in_band_instant_${k}`]) },
    prefixes: { truth: 'radar_fraction_in_band_instant', nwp: 'mogrepsg_fraction_in_band_instant', ml: 'ml_fraction_in_band_instant' },
    baseline: { kind: 'columns', columns: KEYS.map((k) => `mogrepsg_fraction_in_band_instant_${k}`) },
  };
}

function normalise(values: number[]): number[] {
  const sum = values.reduce((a, b) => a + b, 0);
  return values.map((v) => v / sum);
}

/** Band fractions of a sub-grid rain-rate distribution: log-normal with this median, a share `wet` raining. */
function bandFractions(median: number, wet: number, random: SeededRandom, pixels = 200): number[] {
  const counts = BANDS.map(() => 0);
  for (let i = 0; i < pixels; i++) {
    const rate = random.next() < wet ? median * Math.exp(0.9 * random.normal()) : 0;
    const k = BANDS.findIndex((b) => rate >= b.lower && rate < b.upper);
    if (k >= 0) counts[k] += 1;
  }
  return normalise(counts);
}

/** predictions.csv text: a moving rain band over a lat/lon grid; NWP from member rates; ML a noisy member forecast. */
export function predictionsCsv(options: { seed: number; times: number; lats: number; lons: number; members: number }): string {
  const random = new SeededRandom(options.seed);
  const header = ['time', 'realization', 'latitude', 'longitude', ...KEYS.map((k) => `radar_fraction_in_band_instant_${k}`), ...KEYS.map((k) => `mogrepsg_fraction_in_band_instant_${k}`), ...KEYS.map((k) => `ml_fraction_in_band_instant_${k}`)];
  const lines = [header.join(',')];
  for (let t = 0; t < options.times; t++) {
    const time = new Date(Date.UTC(2020, 1, 15, 6 * t)).toISOString().replace('T', ' ').slice(0, 19);
    for (let a = 0; a < options.lats; a++) {
      for (let o = 0; o < options.lons; o++) {
        const lat = 49.40625 + 0.1875 * a * (51 / options.lats);
        const lon = -5.484375 + 0.28125 * o * (30 / options.lons);
        const front = Math.exp(-(((lon + 3 - 1.5 * t) * 0.8 - (lat - 54) * 0.4) ** 2));
        const median = 0.3 + 8 * front;
        const wet = Math.min(0.95, 0.1 + front);
        const radar = bandFractions(median, wet, random);
        const rates = Array.from({ length: options.members }, () => (random.next() < wet ? median * Math.exp(0.7 * random.normal()) : 0));
        const nwp = BANDS.map((b) => rates.filter((r) => r >= b.lower && r < b.upper).length / options.members);
        for (let m = 0; m < options.members; m++) {
          const ml = bandFractions(median * Math.exp(0.4 * random.normal()), wet, random, 60).map((v) => Math.fround(v));
          lines.push([time, m, lat, lon, ...radar, ...nwp, ...ml].join(','));
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Explainer outputs in the formats the explainers write. */
function explainOutputs(runDir: string, random: SeededRandom): void {
  const importance = {
    method: 'permutation',
    metric: 'kl_divergence',
    baseline: 0.31,
    repeats: 5,
    rows: 2000,
    seed: 42,
    features: [...PROFILE, 'air_pressure_at_sea_level'].map((name, i) => {
      const values = Array.from({ length: 5 }, () => (name === 'wind_from_direction' ? 0.0005 * random.normal() : 0.05 / (i + 1) + 0.005 * random.normal()));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      return { name, kind: name === 'air_pressure_at_sea_level' ? 'single-level' : 'profile', mean, std, values };
    }),
  };
  const bump = (centre: number) => HEIGHTS.map((h) => Math.exp(-(((h - centre) / 900) ** 2)));
  const saliency = {
    heights: HEIGHTS,
    layer: 'add',
    profileFeatures: PROFILE,
    samples: [{ row: 7, reason: 'largest radar fraction in band 10.0', prediction: [0.19, 0.18, 0.61, 0.017, 0.0003], inputs: HEIGHTS.map((h) => PROFILE.map((_, f) => Math.cos(h / 1500 + f))), gradCam: KEYS.map((band, k) => ({ band, values: bump(500 + 700 * k) })) }],
    gradients: KEYS.map((band, k) => ({ band, values: HEIGHTS.map((h) => PROFILE.map((_, f) => Math.abs(Math.sin(h / 1000 + k + f)) * 0.1)) })),
  };
  const filters = { layer: 'conv1d', kernelSize: 3, features: PROFILE, filters: Array.from({ length: 32 }, () => Array.from({ length: 3 }, () => PROFILE.map(() => random.next()))) };
  for (const [name, file, value] of [['permutation-importance', 'importance.json', importance], ['saliency', 'saliency.json', saliency], ['filters', 'filters.json', filters]] as const) {
    mkdirSync(join(runDir, 'explain', name), { recursive: true });
    writeFileSync(join(runDir, 'explain', name, file), JSON.stringify(value));
  }
}

/** Write a complete run directory under `root` and return its path. */
export async function writeRunDirectory(root: string, options = { seed: 3, times: 3, lats: 17, lons: 10, members: 6 }): Promise<string> {
  const runDir = join(root, '20200215-060000-fixture-abcd');
  mkdirSync(join(runDir, 'model'), { recursive: true });
  const random = new SeededRandom(options.seed);
  const pre = preprocessing();
  writeFileSync(join(runDir, 'model', 'preprocessing.json'), JSON.stringify(pre, null, 2));
  writeFileSync(join(runDir, 'predictions.csv'), predictionsCsv(options));
  const history = Array.from({ length: 6 }, (_, i) => ({ epoch: i + 1, metrics: { loss: 0.42 * Math.exp(-i / 3) + 0.3, val_loss: 0.41 * Math.exp(-i / 4) + 0.33, accuracy: 0.65 + 0.01 * i, val_accuracy: 0.66 + 0.006 * i }, timestamp: 1_581_746_400_000 + i * 60_000, durationMs: 60_000, learningRate: 0.001 }));
  writeFileSync(join(runDir, 'history.csv'), historyCsv(history));

  const engine = await DataEngine.open({ threads: 1 });
  const metrics: MetricTree = {};
  try {
    const outDir = join(runDir, 'evaluation', 'test');
    mkdirSync(outDir, { recursive: true });
    const features = { metadata: pre.metadata, heights: pre.heights, profile: pre.profile, singleLevel: pre.singleLevel, task: pre.task, bands: pre.bands, targetColumns: pre.target.columns, targetSources: pre.target.sources, prefixes: pre.prefixes, baseline: pre.baseline };
    const predictions = { sql: `SELECT * FROM read_csv(${literal(join(runDir, 'predictions.csv'))}, header = true)` };
    for (const name of ['fss', 'frequency-bias', 'kl-divergence', 'mae']) {
      const plugin = evaluators.find((p) => p.name === name)!;
      const perCell = name === 'fss' || name === 'frequency-bias' ? ['members'] : [];
      const instance = (await plugin.create({ aggregations: ['members', 'ensemble_mean', 'control'], perCell, memberColumn: 'realization', controlMember: 0, cellColumns: ['latitude', 'longitude'] }, { seed: 1, baseDir: runDir, pointer: '/evaluate/0', events: new RunEvents(), tempDir: runDir })) as Evaluator;
      mergeMetrics(metrics, { test: await instance.evaluate({ split: 'test', predictions, features, engine, outDir }) });
    }
  } finally {
    engine.close();
  }
  writeFileSync(join(runDir, 'metrics.json'), JSON.stringify(metrics, null, 2));
  explainOutputs(runDir, random);
  const recipe = {
    name: 'fixture',
    seed: 42,
    data: { source: { use: 'synthetic', with: { cells: options.lats * options.lons } }, features: { profile: PROFILE, singleLevel: ['air_pressure_at_sea_level'], target: { bands: 'standard-5' } }, transforms: [{ use: 'drop-missing' }] },
    split: { use: 'time-space', with: { validation: 0.2, test: 0.2 } },
    model: { use: 'conv1d-residual', with: { filters: 32, kernelSize: 3 } },
    train: { epochs: 6, batchSize: 64 },
    evaluate: [{ use: 'fss' }, { use: 'frequency-bias' }, { use: 'kl-divergence' }, { use: 'mae' }],
    explain: [{ use: 'permutation-importance' }, { use: 'saliency' }, { use: 'filters' }],
  };
  writeFileSync(join(runDir, 'recipe.resolved.json'), JSON.stringify(recipe, null, 2));
  const manifest: Manifest = {
    runId: '20200215-060000-fixture-abcd',
    name: 'fixture',
    status: 'FINISHED',
    startedAt: '2020-02-15T06:00:00.000Z',
    endedAt: '2020-02-15T06:07:00.000Z',
    durationMs: 420_000,
    seed: 42,
    recipe: { file: 'recipes/fixture.json', files: ['recipes/fixture.json'] },
    runtime: { prd: '0.1.0', node: process.version, platform: `${process.platform}-${process.arch}`, cpus: 2 },
    git: { commit: '0123456789abcdef0123456789abcdef01234567', branch: 'main', dirty: false },
    // The plugin rows a run records, with the outputs the real plugins declare.
    plugins: [...recipe.evaluate.map((r, i) => [`/evaluate/${i}`, r.use] as const), ...recipe.explain.map((r, i) => [`/explain/${i}`, r.use] as const)].map(([slot, name]) => {
      const plugin = [...evaluators, ...explainers].find((p) => p.name === name)!;
      return { slot, kind: plugin.kind, name, package: plugin.kind === 'evaluator' ? '@prd/evaluators-precip' : '@prd/explainers', version: '0.1.0', outputs: plugin.outputs };
    }),
    data: { fingerprint: 'sha256:fixture', description: 'synthetic ensemble', rows: { train: 1000, validation: 250, test: options.times * options.lats * options.lons * options.members } },
    steps: [{ name: 'load', cached: false, durationMs: 1200 }, { name: 'train', cached: false, durationMs: 360_000, summary: { epochs: 6 } }, { name: 'report', cached: false, durationMs: 0, skipped: undefined }],
    training: { bestEpoch: 6, stoppedEarly: false, runtime: 'tfjs-wasm', samplesPerSecond: 5123.4, parameters: 181_694 },
  };
  writeFileSync(join(runDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return runDir;
}
