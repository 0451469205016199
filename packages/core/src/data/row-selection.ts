import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashOf } from '../hash.js';
import { useDerivedFile } from '../run/derived-files.js';
import { literal, type DataEngine, type Relation } from './engine.js';

/** Bump when what a selection file holds changes. */
const SELECTION_FORMAT = 1;

/** Where a remembered selection lives and what proves it. */
export interface RowSelection {
  /** The kept rows: the source's rows whose `__pos` is in the selection file. */
  relation: Relation;
  rows: number;
  /** Whether the selection was read back from an earlier run (false: computed now). */
  reused: boolean;
}

interface SelectionIndex {
  format: number;
  rows: number;
  sha256: string;
}

const sha256Of = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * The rows of `numbered` (a source's rows with `__pos`, see SourceData.numbered) that meet each of `conditions` in
 * turn, remembered as their positions under `<tempDir>/selections/` (a derived file: see run/derived-files.ts).
 * Later reads then join on the positions instead of evaluating the conditions, so a query that needs three columns
 * reads three columns, not every column the conditions test (on the 233-column benchmark, 0.1 s against 3 s). The
 * file is named by the digest of the source's query, its fingerprint and the conditions, and is reused only when its
 * own digest matches the one written beside it; `reuse: false` (`--no-cache`) computes it again.
 */
export async function selectRows(engine: DataEngine, numbered: Relation, fingerprint: string, conditions: readonly string[], tempDir: string, reuse = true): Promise<RowSelection> {
  const dir = join(tempDir, 'selections');
  const name = hashOf({ format: SELECTION_FORMAT, numbered: numbered.sql, fingerprint, conditions }, 24);
  const file = join(dir, `${name}.parquet`);
  const indexFile = join(dir, `${name}.json`);
  const relation = { sql: `SELECT * EXCLUDE (__pos) FROM (${numbered.sql}) WHERE __pos IN (SELECT __pos FROM read_parquet(${literal(file)}))` };
  // Marked used before it is looked at, so a prune running now keeps it.
  useDerivedFile(tempDir, file);
  useDerivedFile(tempDir, indexFile);
  const known = reuse ? readIndex(indexFile) : undefined;
  if (known && existsSync(file) && sha256Of(file) === known.sha256) return { relation, rows: known.rows, reused: true };
  mkdirSync(dir, { recursive: true });
  // Each condition over the rows the previous ones kept, as the transforms were written (an error one of them
  // raises on a row an earlier one drops stays unraised).
  const kept = conditions.reduce((sql, condition) => `SELECT * FROM (${sql}) WHERE (${condition})`, numbered.sql);
  const partial = `${file}.${process.pid}.partial`;
  try {
    await engine.run(`COPY (SELECT __pos FROM (${kept}) ORDER BY __pos) TO ${literal(partial)} (FORMAT parquet, COMPRESSION snappy)`);
    const [{ n }] = await engine.rows<{ n: bigint | number }>(`SELECT count(*) AS n FROM read_parquet(${literal(partial)})`);
    const index: SelectionIndex = { format: SELECTION_FORMAT, rows: Number(n), sha256: sha256Of(partial) };
    renameSync(partial, file);
    writeFileSync(indexFile, `${JSON.stringify(index)}\n`);
    return { relation, rows: index.rows, reused: false };
  } finally {
    rmSync(partial, { force: true });
  }
}

function readIndex(path: string): SelectionIndex | undefined {
  try {
    const index = JSON.parse(readFileSync(path, 'utf8')) as SelectionIndex;
    return index.format === SELECTION_FORMAT ? index : undefined;
  } catch {
    return undefined;
  }
}
