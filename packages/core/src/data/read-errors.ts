import { PrdError, type Issue } from '../errors.js';

/** Where a data file problem is, as far as the engine's message tells. */
interface ReadFailure {
  file?: string;
  line?: number;
  column?: string;
  value?: string;
}

function parseFailure(message: string): ReadFailure {
  const failure: ReadFailure = {};
  const file = /\n\s*file = (.+)\n/.exec(message) ?? /file '([^']+)'/.exec(message) ?? /"([^"]+\.(?:csv|parquet|gz))"/i.exec(message);
  if (file) failure.file = file[1].trim();
  const line = /CSV Error on Line: (\d+)/.exec(message);
  if (line) failure.line = Number(line[1]);
  const conversion = /converting column "((?:[^"]|"")*)"\. Could not convert string "((?:[^"]|"")*)" to '(\w+)'/.exec(message);
  if (conversion) {
    failure.column = conversion[1];
    failure.value = conversion[2];
  }
  return failure;
}

/**
 * Turn DuckDB's error for a data file it could not read into a PrdError that names the file, row and column and
 * says what to change. Returns undefined for errors that are not about reading data files.
 */
export function translateReadError(error: unknown): PrdError | undefined {
  if (!(error instanceof Error)) return undefined;
  const message = error.message;
  const failure = parseFailure(message);
  const where: Partial<Issue> = { file: failure.file };
  if (failure.line !== undefined) Object.assign(where, { line: failure.line, row: failure.line - 1 });
  if (failure.column !== undefined) {
    const value = failure.value === '' ? 'an empty value' : `"${failure.value}"`;
    const issue: Issue = {
      ...where,
      dataColumn: failure.column,
      message: `${value} is not a number; fix or remove that row (a column that holds text can be listed in the source's "textColumns")`,
    };
    return new PrdError(`bad value in ${failure.file ?? 'a data file'}, row ${issue.row ?? '?'}, column "${failure.column}"`, [issue], { cause: error });
  }
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (columns) {
    const [expected, found] = [Number(columns[1]), Number(columns[2])];
    const what = found < expected ? 'is truncated' : 'has extra values';
    const issue: Issue = { ...where, message: `the row ${what}: ${found} fields where the header has ${expected}; repair or remove it` };
    return new PrdError(`malformed row in ${failure.file ?? 'a data file'}`, [issue], { cause: error });
  }
  if (/unterminated quote/i.test(message)) {
    const issue: Issue = { ...where, message: 'a quoted field is never closed (a `"` is missing); repair the file' };
    return new PrdError(`malformed CSV in ${failure.file ?? 'a data file'}`, [issue], { cause: error });
  }
  if (/CSV Error on Line/.test(message) || /Error in file/.test(message)) {
    const first = message.split('\n').find((l) => l.trim() && !/^CSV Error on Line/.test(l)) ?? message;
    const issue: Issue = { ...where, message: `could not read the file: ${first.replace(/^[A-Za-z ]+Error: /, '')}` };
    return new PrdError(`could not read ${failure.file ?? 'a data file'}`, [issue], { cause: error });
  }
  if (/No magic bytes found|not a parquet file|Invalid Parquet/i.test(message)) {
    return new PrdError(`${failure.file ?? 'a file'} is not a valid Parquet file`, [{ file: failure.file, message: 'the file is not a Parquet file or is damaged; write it again' }], { cause: error });
  }
  return undefined;
}
