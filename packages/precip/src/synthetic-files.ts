import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ident, literal, type DataEngine } from '@prd/core';
import { seedMergedColumns, seedMergedFileName } from './seed-schema.js';
import { syntheticEvents, syntheticSql, type SyntheticOptions } from './synthetic.js';

/** How to write synthetic data as the seed's merged files. */
export interface SyntheticFileOptions extends SyntheticOptions {
  /** Write midnight times as `YYYY-MM-DD`, as some of the seed's files do (the `unify_dates` quirk). */
  dateOnlyMidnight?: boolean;
  /** Called when a file has been written. */
  onFile?: (file: WrittenFile) => void;
}

/** One written merged file. */
export interface WrittenFile {
  event: string;
  path: string;
  rows: number;
}

/**
 * Write a synthetic dataset as the seed's data prep lays it out: `<outDir>/<event>/prd_merged_<START>_<END>.csv`,
 * one file per event, 233 columns, times as `YYYY-MM-DD HH:MM:SS`, no index column (seed-pipeline.md §1.1).
 * Each event is generated and written by DuckDB in one streaming query.
 */
export async function writeSyntheticFiles(engine: DataEngine, options: SyntheticFileOptions, outDir: string): Promise<WrittenFile[]> {
  const written: WrittenFile[] = [];
  for (const event of syntheticEvents(options)) {
    const dir = join(outDir, event.name);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, seedMergedFileName(event.start, event.end));
    const select = seedMergedColumns(options.columnOrder ?? 'model-first').map((c) => {
      if ((c === 'time' || c === 'forecast_reference_time') && options.dateOnlyMidnight) {
        return `CASE WHEN hour(${ident(c)}) = 0 AND minute(${ident(c)}) = 0 THEN strftime(${ident(c)}, '%Y-%m-%d') ELSE strftime(${ident(c)}, '%Y-%m-%d %H:%M:%S') END AS ${ident(c)}`;
      }
      return ident(c);
    });
    await engine.run(`COPY (SELECT ${select.join(', ')} FROM (${syntheticSql(options, [event.index])})) TO ${literal(path)} (FORMAT csv, HEADER true)`);
    const file = { event: event.name, path, rows: options.times * options.cells * options.members };
    options.onFile?.(file);
    written.push(file);
  }
  return written;
}
