import { ident, literal, PrdError, type DataEngine, type Issue } from '@prd/core';
import { eventOf, type DataFile } from './files.js';
import { readCsvHeader } from './header.js';

/** How the source reads its files. */
export interface ReadOptions {
  event: 'directory' | 'file';
  /** Columns read as text; `time` and `forecast_reference_time` are parsed into timestamps. */
  textColumns: string[];
  timeColumns: string[];
}

/** Columns of one file, in its own order, and whether its first column is an unnamed index (legacy files). */
interface FileColumns {
  file: DataFile;
  columns: string[];
  types?: Map<string, string>;
  indexColumn: boolean;
}

/** The dataset's columns: the first file's order, each file's header checked against it. */
export interface TableLayout {
  columns: string[];
  files: FileColumns[];
}

/**
 * Read every file's header (CSV: the first line; Parquet: its schema) and check that all files have the same
 * columns, in any order. Empty files, unnamed or repeated columns and files that lack columns others have are
 * errors that name the file.
 */
export async function readLayout(engine: DataEngine, files: readonly DataFile[]): Promise<TableLayout> {
  const issues: Issue[] = [];
  const read: FileColumns[] = [];
  for (const file of files) {
    let columns: string[];
    let types: Map<string, string> | undefined;
    if (file.format === 'csv') {
      if (file.size === 0) {
        issues.push({ file: file.path, message: 'the file is empty (0 bytes); remove it or write it again' });
        continue;
      }
      columns = readCsvHeader(file.path);
      if (columns.length === 0) {
        issues.push({ file: file.path, line: 1, message: 'the file has no header line; the first line must name the columns' });
        continue;
      }
    } else {
      const described = await engine.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet(${literal(file.path)})`).catch((error: Error) => {
        issues.push({ file: file.path, message: `not a readable Parquet file: ${error.message.split('\n')[0]}` });
        return undefined;
      });
      if (!described) continue;
      columns = described.map((d) => d.column_name);
      types = new Map(described.map((d) => [d.column_name, d.column_type]));
    }
    // Legacy merged files were written with the pandas index as an unnamed first column (read with index_col=0).
    const indexColumn = columns[0] === '' || columns[0] === 'Unnamed: 0';
    const named = indexColumn ? columns.slice(1) : columns;
    const blank = named.findIndex((c) => c.trim() === '');
    if (blank >= 0) {
      issues.push({ file: file.path, line: 1, column: blank + 1 + (indexColumn ? 1 : 0), message: `column ${blank + 1 + (indexColumn ? 1 : 0)} of the header has no name` });
      continue;
    }
    const seen = new Set<string>();
    const repeated = named.filter((c) => (seen.has(c) ? true : (seen.add(c), false)));
    if (repeated.length > 0) {
      issues.push({ file: file.path, line: 1, message: `the header repeats column${repeated.length > 1 ? 's' : ''} ${repeated.map((c) => `"${c}"`).join(', ')}` });
      continue;
    }
    read.push({ file, columns: named, types, indexColumn });
  }
  if (issues.length === 0 && read.length > 0) {
    const first = read[0];
    const reference = new Set(first.columns);
    for (const other of read.slice(1)) {
      const own = new Set(other.columns);
      const missing = first.columns.filter((c) => !own.has(c));
      const extra = other.columns.filter((c) => !reference.has(c));
      if (missing.length === 0 && extra.length === 0) continue;
      const parts: string[] = [];
      if (missing.length > 0) parts.push(`lacks ${listed(missing)}`);
      if (extra.length > 0) parts.push(`has ${listed(extra)} that ${first.file.path} does not`);
      issues.push({ file: other.file.path, dataColumn: missing[0] ?? extra[0], message: `the file ${parts.join(' and ')}; every file needs the same columns (in any order)` });
    }
  }
  if (issues.length > 0) throw new PrdError(`the data files cannot be read as one table (${issues.length} problem${issues.length > 1 ? 's' : ''})`, issues);
  return { columns: read[0].columns, files: read };
}

function listed(columns: string[]): string {
  const shown = columns.slice(0, 4).map((c) => `"${c}"`).join(', ');
  return `column${columns.length > 1 ? 's' : ''} ${shown}${columns.length > 4 ? ` and ${columns.length - 4} more` : ''}`;
}

function columnExpr(name: string, options: ReadOptions, sourceType: string | undefined): string {
  const column = ident(name);
  if (options.timeColumns.includes(name)) {
    // The seed's files write midnight as `YYYY-MM-DD` (unify_dates); a DATE string casts to midnight as well.
    return sourceType && /^TIMESTAMP/.test(sourceType) ? `${column}::TIMESTAMP AS ${column}` : `CAST(${column} AS TIMESTAMP) AS ${column}`;
  }
  if (options.textColumns.includes(name)) return sourceType === undefined || sourceType === 'VARCHAR' ? column : `${column}::VARCHAR AS ${column}`;
  if (name === 'realization') return `CAST(${column} AS BIGINT) AS ${column}`;
  if (sourceType === undefined || sourceType === 'DOUBLE') return column;
  return `CAST(${column} AS DOUBLE) AS ${column}`;
}

/** SQL reading one file with every column typed: numbers as DOUBLE, text columns as text, times as TIMESTAMP. */
export function fileSql(entry: FileColumns, columns: readonly string[], options: ReadOptions): string {
  const event = literal(eventOf(entry.file.path, options.event));
  const select = [...columns.map((c) => columnExpr(c, options, entry.types?.get(c) ?? (entry.file.format === 'csv' ? csvType(c, options) : undefined))), `${event} AS event`].join(', ');
  if (entry.file.format === 'parquet') return `SELECT ${select} FROM read_parquet(${literal(entry.file.path)})`;
  const fileColumns = [...(entry.indexColumn ? ['column0'] : []), ...entry.columns];
  const declared = fileColumns.map((c) => `${literal(c)}: ${literal(c === 'column0' && entry.indexColumn ? 'VARCHAR' : csvType(c, options))}`).join(', ');
  return `SELECT ${select} FROM read_csv(${literal(entry.file.path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', strict_mode = true, columns = {${declared}})`;
}

function csvType(name: string, options: ReadOptions): string {
  return options.textColumns.includes(name) || options.timeColumns.includes(name) ? 'VARCHAR' : 'DOUBLE';
}

/** All files as one relation, in file order. */
export function tableSql(layout: TableLayout, options: ReadOptions): string {
  return layout.files.map((f) => fileSql(f, layout.columns, options)).join('\nUNION ALL\n');
}
