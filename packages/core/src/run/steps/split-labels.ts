import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrdError } from '../../errors.js';
import { ident, literal, type DataEngine, type Relation } from '../../data/engine.js';
import { requiredColumns, type ResolvedFeatures } from '../../data/features.js';
import type { PreparedData } from '../context.js';

/** The three splits, in the order their rows are counted. */
export type SplitName = 'train' | 'validation' | 'test';

/** Row counts per split. */
export type SplitCounts = Record<SplitName, number>;

/**
 * What the split step records instead of the rows: which columns identify a row (their hash is its label key) and
 * how many rows each split holds. The labels themselves are `labels.parquet`: one (`__id`, `split`) pair per kept
 * row, in the metadata order, so a row's position in that file is its `__row` in every run.
 */
export interface SplitLabels {
  format: 'prd-split-labels';
  version: 1;
  identity: string[];
  counts: SplitCounts;
}

const LABELS = 'labels.parquet';
const INDEX = 'labels.json';

/** Columns later steps read from the split's rows: everything the features name (the split itself comes from the labels). */
export function splitColumns(features: ResolvedFeatures): string[] {
  const columns = requiredColumns(features);
  if (features.baseline.kind === 'ensemble-rate') columns.push(...features.baseline.columns);
  return [...new Set(columns)];
}

const hashOf = (columns: string[]) => `hash(${columns.map(ident).join(', ')})`;

/**
 * Write the labels of a sampler's output (`assigned`: the transformed rows plus `split`) to `outDir`, sorted by the
 * metadata. A row is named by the hash of its metadata, or, when the metadata does not tell rows apart, of every
 * column the run reads; rows that repeat another in all of those cannot be told apart and are an error.
 */
export async function writeSplitLabels(engine: DataEngine, assigned: Relation, features: ResolvedFeatures, outDir: string): Promise<SplitLabels> {
  const out = join(outDir, LABELS);
  const order = features.metadata.map(ident).join(', ');
  for (const identity of [features.metadata, splitColumns(features)]) {
    await engine.run(`COPY (SELECT ${hashOf(identity)} AS __id, split FROM (${assigned.sql}) ORDER BY ${order}, __id) TO ${literal(out)} (FORMAT parquet, COMPRESSION snappy)`);
    const [row] = await engine.rows<{ n: bigint; ids: bigint }>(`SELECT count(*) AS n, count(DISTINCT __id) AS ids FROM read_parquet(${literal(out)})`);
    const repeated = Number(row.n) - Number(row.ids);
    if (repeated === 0) return writeIndex(engine, outDir, identity);
    if (identity !== features.metadata) {
      throw new PrdError(`${repeated} rows repeat another row in every column the run reads (${identity.length} columns); drop the duplicates in the data or with a transform`);
    }
  }
  throw new Error('unreachable');
}

async function writeIndex(engine: DataEngine, outDir: string, identity: string[]): Promise<SplitLabels> {
  const rows = await engine.rows<{ split: string; n: bigint | number }>(`SELECT split, count(*) AS n FROM read_parquet(${literal(join(outDir, LABELS))}) GROUP BY split`);
  const counts: Record<string, number> = { train: 0, validation: 0, test: 0 };
  for (const row of rows) counts[row.split] = Number(row.n);
  const labels: SplitLabels = { format: 'prd-split-labels', version: 1, identity, counts: counts as SplitCounts };
  writeFileSync(join(outDir, INDEX), `${JSON.stringify(labels)}\n`);
  return labels;
}

/** The labels a split step wrote. */
export function readSplitLabels(splitDir: string): SplitLabels {
  return JSON.parse(readFileSync(join(splitDir, INDEX), 'utf8')) as SplitLabels;
}

/**
 * The rows of one split (or of all, with their `split`), read from the transformed data by the split step's labels,
 * with `__row`: their position in the labels, which orders them the same way in every query and every run.
 */
export function splitRelation(data: PreparedData, splitDir: string, split?: SplitName): Relation {
  const { identity } = readSplitLabels(splitDir);
  const columns = splitColumns(data.features).map(ident).join(', ');
  const labels = `SELECT __id, split, file_row_number AS __row FROM read_parquet(${literal(join(splitDir, LABELS))}, file_row_number = true)`;
  const where = split ? ` WHERE split = ${literal(split)}` : '';
  const rows = `SELECT ${columns}, ${hashOf(identity)} AS __id FROM (${data.sql})`;
  return { sql: `SELECT t.* EXCLUDE (__id), l.__row${split ? '' : ', l.split'} FROM (${rows}) t JOIN (${labels}${where}) l ON t.__id = l.__id` };
}

/** The PrdError for a split whose rows could not all be found again in the data (the labels do not fit it). */
export function checkSplitRows(split: SplitName, expected: number, found: number): void {
  if (expected !== found) {
    throw new PrdError(`the split step labelled ${expected} ${split} rows but ${found} were found in the data again; the cached split does not fit the data: run again with --no-cache`);
  }
}
