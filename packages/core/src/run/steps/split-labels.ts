import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrdError } from '../../errors.js';
import { ident, literal, type DataEngine, type Relation } from '../../data/engine.js';
import { requiredColumns, type ResolvedFeatures } from '../../data/features.js';
import type { SplitName } from '../../plugin/contract.js';
import type { PreparedData } from '../context.js';

export type { SplitName };


/** Row counts per split. */
export type SplitCounts = Record<SplitName, number>;

/**
 * What the split step records instead of the wide rows: which columns identify a row (their hash is its label key)
 * and how many rows each split holds. The labels themselves are `labels.parquet`: per kept row its key (`__id`), its
 * `split` and its narrow columns (metadata, target sources, NWP baseline: what the metadata files and the data
 * summary read), in the metadata order, so a row's position in that file is its `__row` in every run. When rows repeat
 * another in every column the run reads (`repeats`), the labels also number the copies of a row (`__copy`), and the
 * data's copies are numbered the same way when read back: the copies are alike in everything a later step sees, so
 * which copy takes which label does not matter, only that each label takes one.
 */
export interface SplitLabels {
  format: 'prd-split-labels';
  version: 1;
  identity: string[];
  counts: SplitCounts;
  /** Rows that repeat another in every column the run reads (absent: none). */
  repeats?: number;
}

const LABELS = 'labels.parquet';
const INDEX = 'labels.json';

/** Columns later steps read from the split's rows: everything the features name (the split itself comes from the labels). */
export function splitColumns(features: ResolvedFeatures): string[] {
  const columns = requiredColumns(features);
  if (features.baseline.kind === 'ensemble-rate') columns.push(...features.baseline.columns);
  return [...new Set(columns)];
}

/** The narrow columns the labels keep: metadata, the target's source columns and the NWP baseline's. */
export function labelledColumns(features: ResolvedFeatures): string[] {
  const nwp = features.baseline.kind === 'none' ? [] : features.baseline.columns;
  return [...new Set([...features.metadata, ...features.targetSources.flat(), ...nwp])];
}

const hashOf = (columns: string[]) => `hash(${columns.map(ident).join(', ')})`;

/**
 * Write the labels of a sampler's output (`assigned`: the transformed rows plus `split`) to `outDir`, sorted by the
 * metadata. A row is named by the hash of its metadata, or, when the metadata does not tell rows apart, of every
 * column the run reads; rows that repeat another in all of those are numbered as copies (see SplitLabels).
 */
export async function writeSplitLabels(engine: DataEngine, assigned: Relation, features: ResolvedFeatures, outDir: string): Promise<SplitLabels> {
  const out = join(outDir, LABELS);
  const order = features.metadata.map(ident).join(', ');
  const narrow = labelledColumns(features).map(ident).join(', ');
  const write = (sql: string) => engine.run(`COPY (${sql}) TO ${literal(out)} (FORMAT parquet, COMPRESSION snappy)`);
  for (const identity of [features.metadata, splitColumns(features)]) {
    const id = hashOf(identity);
    await write(`SELECT ${id} AS __id, split, ${narrow} FROM (${assigned.sql}) ORDER BY ${order}, __id`);
    const repeats = await repeatedRows(engine, out);
    if (repeats === 0) return writeIndex(engine, outDir, identity);
    if (identity !== features.metadata) {
      // Copies take the labels in split order, so the file (and each row's __row) is the same in every run.
      await write(`SELECT ${id} AS __id, split, row_number() OVER (PARTITION BY ${id} ORDER BY split) - 1 AS __copy, ${narrow} FROM (${assigned.sql}) ORDER BY ${order}, __id, __copy`);
      return writeIndex(engine, outDir, identity, repeats);
    }
  }
  throw new Error('unreachable');
}

async function repeatedRows(engine: DataEngine, labels: string): Promise<number> {
  const [row] = await engine.rows<{ n: bigint; ids: bigint }>(`SELECT count(*) AS n, count(DISTINCT __id) AS ids FROM read_parquet(${literal(labels)})`);
  return Number(row.n) - Number(row.ids);
}

async function writeIndex(engine: DataEngine, outDir: string, identity: string[], repeats = 0): Promise<SplitLabels> {
  const rows = await engine.rows<{ split: string; n: bigint | number }>(`SELECT split, count(*) AS n FROM read_parquet(${literal(join(outDir, LABELS))}) GROUP BY split`);
  const counts: Record<string, number> = { train: 0, validation: 0, test: 0 };
  for (const row of rows) counts[row.split] = Number(row.n);
  const labels: SplitLabels = { format: 'prd-split-labels', version: 1, identity, counts: counts as SplitCounts, ...(repeats > 0 ? { repeats } : {}) };
  writeFileSync(join(outDir, INDEX), `${JSON.stringify(labels)}\n`);
  return labels;
}

/** The labels a split step wrote. */
export function readSplitLabels(splitDir: string): SplitLabels {
  return JSON.parse(readFileSync(join(splitDir, INDEX), 'utf8')) as SplitLabels;
}

/** The labels with their narrow columns, `split` and `__row` (see SplitLabels): for the metadata files and the data summary. */
export function labelledRows(splitDir: string): Relation {
  return { sql: `SELECT * EXCLUDE (__id, file_row_number${copiesOf(splitDir) ? ', __copy' : ''}), file_row_number AS __row FROM read_parquet(${literal(join(splitDir, LABELS))}, file_row_number = true)` };
}

/** The labels' keys, as joinLabels matches them: `__id` (and `__copy`), `split`, `__row`. */
export function labelsOf(splitDir: string): string {
  return `SELECT __id${copiesOf(splitDir) ? ', __copy' : ''}, split, file_row_number AS __row FROM read_parquet(${literal(join(splitDir, LABELS))}, file_row_number = true)`;
}

const copiesOf = (splitDir: string) => (readSplitLabels(splitDir).repeats ?? 0) > 0;

/**
 * The rows of the transformed data that `labels` name, joined to them: `labels` is a query with the key columns of
 * labelsOf (`__id`, and `__copy` when there are copies) and any others, which are added to the data's columns
 * (`columns`: SQL select items over the data, by default every column the run reads). Rows the labels do not name
 * are left out.
 */
export function joinLabels(data: PreparedData, splitDir: string, labels: string, columns = splitColumns(data.features).map(ident)): Relation {
  const { identity } = readSplitLabels(splitDir);
  const copies = copiesOf(splitDir);
  const id = hashOf(identity);
  const keys = copies ? '__id, __copy' : '__id';
  const rows = `SELECT ${columns.join(', ')}, ${id} AS __id${copies ? `, row_number() OVER (PARTITION BY ${id}) - 1 AS __copy` : ''} FROM (${data.sql})`;
  const on = copies ? 't.__id = l.__id AND t.__copy = l.__copy' : 't.__id = l.__id';
  return { sql: `SELECT t.* EXCLUDE (${keys}), l.* EXCLUDE (${keys}) FROM (${rows}) t JOIN (${labels}) l ON ${on}` };
}

/**
 * The rows of one split (or of all, with their `split`), read from the transformed data by the split step's labels,
 * with `__row`: their position in the labels, which orders them the same way in every query and every run.
 */
export function splitRelation(data: PreparedData, splitDir: string, split?: SplitName): Relation {
  const labels = split ? `SELECT * EXCLUDE (split) FROM (${labelsOf(splitDir)}) WHERE split = ${literal(split)}` : labelsOf(splitDir);
  return joinLabels(data, splitDir, labels);
}

/** The PrdError for a split whose rows could not all be found again in the data (the labels do not fit it). */
export function checkSplitRows(split: SplitName, expected: number, found: number): void {
  if (expected !== found) {
    throw new PrdError(`the split step labelled ${expected} ${split} rows but ${found} were found in the data again; the cached split does not fit the data: run again with --no-cache`);
  }
}
