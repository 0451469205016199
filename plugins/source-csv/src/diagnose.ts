import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { PrdError } from '@prd/core';
import { parseRecord } from './header.js';
import type { TableLayout } from './read.js';

/** The first data row (1-based, header not counted) of a CSV file whose `column` equals `value`. */
export async function findCsvRow(path: string, header: readonly string[], column: string, value: string): Promise<number | undefined> {
  const index = header.indexOf(column);
  if (index < 0) return undefined;
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let row = -1;
  try {
    for await (const line of lines) {
      row++;
      if (row === 0) continue;
      const record = parseRecord(line);
      if (record && record.fields[index] === value) return row;
    }
  } finally {
    lines.close();
  }
  return undefined;
}

/**
 * DuckDB says which timestamp failed to parse but not where: find the file and row holding it, so the error can
 * name them. Returns undefined when the error is not a timestamp parse error.
 */
export async function diagnoseTimestampError(error: unknown, layout: TableLayout): Promise<PrdError | undefined> {
  if (!(error instanceof Error)) return undefined;
  const match = /(?:invalid timestamp field format|timestamp field value out of range): "((?:[^"]|"")*)".*?source column (\w+)/s.exec(error.message) ?? /Could not convert string '((?:[^']|'')*)' to TIMESTAMP.*?column (\w+)/s.exec(error.message);
  if (!match) return undefined;
  const [, value, column] = match;
  for (const entry of layout.files) {
    if (entry.file.format !== 'csv') continue;
    const header = entry.indexColumn ? ['', ...entry.columns] : entry.columns;
    const row = await findCsvRow(entry.file.path, header, column, value);
    if (row !== undefined) {
      return PrdError.of(
        { file: entry.file.path, line: row + 1, row, dataColumn: column, message: `"${value}" is not a time; write times as YYYY-MM-DD HH:MM:SS (or YYYY-MM-DD for midnight)` },
        `bad time in ${entry.file.path}, row ${row}, column "${column}"`,
      );
    }
  }
  return PrdError.of({ dataColumn: column, message: `"${value}" is not a time; write times as YYYY-MM-DD HH:MM:SS (or YYYY-MM-DD for midnight)` });
}
