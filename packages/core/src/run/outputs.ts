import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ident, literal, type DataEngine } from '../data/engine.js';
import type { EpochRecord } from './events.js';
import type { Preprocessing } from './preprocessing.js';
import type { RunDirectory } from './run-dir.js';

/**
 * Copy a directory of a cache entry into the run directory (the run directory must stand on its own), without the
 * cache's own bookkeeping (`entry.json`).
 */
export function copyIntoRun(run: RunDirectory, from: string, to: string): void {
  if (!existsSync(from)) return;
  const bookkeeping = join(from, 'entry.json');
  cpSync(from, run.path(to), { recursive: true, filter: (source) => source !== bookkeeping });
}

/** Read the epoch history a train step saved. */
export function readHistory(trainDir: string): EpochRecord[] {
  const file = join(trainDir, 'history.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as EpochRecord[]) : [];
}

/**
 * Write `predictions.csv` for the test split: metadata, then truth, NWP and ML per band, in the seed's column names
 * (`{radar,mogrepsg,ml}_fraction_in_band_instant_{band}`).
 */
export async function writePredictionsCsv(engine: DataEngine, predictionsParquet: string, preprocessing: Preprocessing, out: string): Promise<string[]> {
  const ml = preprocessing.task !== 'bands' ? [preprocessing.prefixes.ml] : preprocessing.bands.map((b) => `${preprocessing.prefixes.ml}_${b.key}`);
  const nwp = preprocessing.baseline.kind === 'none' ? [] : preprocessing.baseline.columns;
  const file = `read_parquet(${literal(predictionsParquet)})`;
  // Data a model is applied to may lack truth or NWP: those columns are left out, not invented.
  const present = new Set((await engine.columns({ sql: `SELECT * FROM ${file}` })).map((c) => c.name));
  const columns = [...preprocessing.metadata, ...preprocessing.target.columns, ...nwp, ...ml].filter((c) => present.has(c));
  mkdirSync(dirname(out), { recursive: true });
  await engine.toCsv({ sql: `SELECT ${columns.map(ident).join(', ')} FROM ${file}` }, out);
  return columns;
}
