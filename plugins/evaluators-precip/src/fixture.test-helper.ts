// Test helper (not part of the package build): seeded predictions tables and an independent, plain-TypeScript
// transcription of the seed's verification code (prd_pipeline.fss / freq_bias, calculate_p_exceedance) that reads
// predictions.csv rows, to check the SQL evaluators against.
import { writeFileSync } from 'node:fs';
import { SeededRandom, type ResolvedFeatures } from '@prd/core';
import { BAND_SETS } from '@prd/precip';

export const BANDS = BAND_SETS['standard-5'].map((b) => ({ ...b }));
export const KEYS = BANDS.map((b) => b.key);
export const TRUTH = KEYS.map((k) => `radar_fraction_in_band_instant_${k}`);
export const NWP = KEYS.map((k) => `mogrepsg_fraction_in_band_instant_${k}`);
export const ML = KEYS.map((k) => `ml_fraction_in_band_instant_${k}`);

/** Resolved features of a 5-band recipe with an NWP baseline, as the runner hands them to evaluators. */
export function bandFeatures(): ResolvedFeatures {
  return {
    metadata: ['time', 'realization', 'latitude', 'longitude'],
    heights: [],
    profile: [],
    singleLevel: [],
    task: 'bands',
    bands: BANDS,
    targetColumns: TRUTH,
    targetSources: TRUTH.map((c) => [c]),
    prefixes: { truth: 'radar_fraction_in_band_instant', nwp: 'mogrepsg_fraction_in_band_instant', ml: 'ml_fraction_in_band_instant' },
    baseline: { kind: 'columns', columns: NWP },
  };
}

/** One row of a predictions file. */
export interface PredictionRow {
  time: string;
  realization: number;
  latitude: number;
  longitude: number;
  truth: number[];
  nwp: number[];
  ml: number[];
}

function normalise(values: number[]): number[] {
  const sum = values.reduce((a, b) => a + b, 0);
  return values.map((v) => v / sum);
}

/**
 * A seeded ensemble: per (time, cell) a rain intensity drives radar fractions (a quarter of the cells dry); each
 * member's rate is that intensity with member noise, NWP probabilities are the share of members per half-open band,
 * and the "ML" fractions are a noisy softmax around the radar fractions (different per member).
 */
export function ensembleRows(seed: number, times = 4, lats = 5, lons = 6, members = 5): PredictionRow[] {
  const random = new SeededRandom(seed);
  const rows: PredictionRow[] = [];
  for (let t = 0; t < times; t++) {
    const time = `2020-02-1${t} ${String(6 * (t % 4)).padStart(2, '0')}:00:00`;
    for (let a = 0; a < lats; a++) {
      for (let o = 0; o < lons; o++) {
        const intensity = Math.exp(1.5 * random.normal());
        const dry = random.next() < 0.25;
        const truth = dry ? [1, 0, 0, 0, 0] : normalise(BANDS.map((b, k) => Math.exp(-Math.abs(Math.log((b.lower + b.upper) / 2 + 0.01) - Math.log(intensity)) * (1 + random.next())) * (k === 4 ? 0.05 : 1)));
        const rates = Array.from({ length: members }, () => (dry && random.next() < 0.7 ? 0 : intensity * Math.exp(0.8 * random.normal())));
        const nwp = BANDS.map((b) => rates.filter((r) => r >= b.lower && r < b.upper).length / members);
        for (let m = 0; m < members; m++) {
          const ml = normalise(truth.map((f) => Math.exp(Math.log(f + 0.02) + 0.6 * random.normal())));
          rows.push({ time, realization: m, latitude: 49.40625 + 0.1875 * a, longitude: -5.484375 + 0.28125 * o, truth, nwp, ml: ml.map((v) => Math.fround(v)) });
        }
      }
    }
  }
  return rows;
}

/** Write rows as a predictions CSV with the runner's column names. */
export function writeRowsCsv(rows: PredictionRow[], path: string): void {
  const header = ['time', 'realization', 'latitude', 'longitude', ...TRUTH, ...NWP, ...ML].join(',');
  const lines = rows.map((r) => [r.time, r.realization, r.latitude, r.longitude, ...r.truth, ...r.nwp, ...r.ml].join(','));
  writeFileSync(path, `${header}\n${lines.join('\n')}\n`);
}

/** Parse a predictions CSV (plain numbers and a time string; no quoting) back into rows. */
export function parsePredictionsCsv(text: string): PredictionRow[] {
  const [head, ...lines] = text.trim().split('\n');
  const names = head.split(',');
  const at = (name: string) => names.indexOf(name);
  return lines.map((line) => {
    const cells = line.split(',');
    return {
      time: cells[at('time')],
      realization: Number(cells[at('realization')]),
      latitude: Number(cells[at('latitude')]),
      longitude: Number(cells[at('longitude')]),
      truth: TRUTH.map((c) => Number(cells[at(c)])),
      nwp: NWP.map((c) => Number(cells[at(c)])),
      ml: ML.map((c) => Number(cells[at(c)])),
    };
  });
}

/** The seed's calculate_p_exceedance with the callers' clipping: 1 - cumsum, negatives (and prd: rounding below 1e-6) set to 0. */
export function exceedance(fractions: number[]): number[] {
  let cumulative = 0;
  return fractions.map((f) => {
    cumulative += f;
    const x = 1 - cumulative;
    return x < 1e-6 ? 0 : x;
  });
}

/** The seed's fss(obs, fx) over paired samples; NaN for 0/0. */
export function seedFss(obs: number[], fx: number[]): number {
  let fbs = 0;
  let ref = 0;
  for (let i = 0; i < obs.length; i++) {
    fbs += (fx[i] - obs[i]) ** 2;
    ref += fx[i] ** 2 + obs[i] ** 2;
  }
  return 1 - fbs / ref;
}

/** The seed's freq_bias(obs, fx): mean of fx / obs with inf and NaN dropped. */
export function seedFrequencyBias(obs: number[], fx: number[]): number {
  const ratios = obs.map((o, i) => fx[i] / o).filter((r) => Number.isFinite(r));
  return ratios.length === 0 ? NaN : ratios.reduce((a, b) => a + b, 0) / ratios.length;
}

/** FSS per threshold for ML and NWP over a set of rows. */
export function fssByThreshold(rows: PredictionRow[]): { ml: number[]; nwp: number[] } {
  const obs = rows.map((r) => exceedance(r.truth));
  const ml = rows.map((r) => exceedance(r.ml));
  const nwp = rows.map((r) => exceedance(r.nwp));
  const column = (table: number[][], k: number) => table.map((row) => row[k]);
  return {
    ml: KEYS.map((_, k) => seedFss(column(obs, k), column(ml, k))),
    nwp: KEYS.map((_, k) => seedFss(column(obs, k), column(nwp, k))),
  };
}

/** Average rows over members per (time, latitude, longitude): the ensemble mean of the predictions. */
export function ensembleMean(rows: PredictionRow[]): PredictionRow[] {
  const groups = new Map<string, PredictionRow[]>();
  for (const row of rows) {
    const key = `${row.time}|${row.latitude}|${row.longitude}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const mean = (list: number[][]) => list[0].map((_, k) => list.reduce((s, v) => s + v[k], 0) / list.length);
  return [...groups.values()].map((g) => ({ ...g[0], realization: -1, truth: mean(g.map((r) => r.truth)), nwp: mean(g.map((r) => r.nwp)), ml: mean(g.map((r) => r.ml)) }));
}
