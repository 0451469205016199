import { RequestError } from './request-error.js';

/** Rows of a scoring request as a table: column names and, per row, a value per column. */
export interface RequestTable {
  columns: string[];
  rows: unknown[][];
}

function fromRecords(records: unknown, field: string): RequestTable {
  if (!Array.isArray(records) || records.some((r) => r === null || typeof r !== 'object' || Array.isArray(r))) {
    throw new RequestError(400, `"${field}" must be a list of objects, one per row: [{"column": value, ...}, ...]`);
  }
  const columns = [...new Set(records.flatMap((r) => Object.keys(r as object)))];
  return { columns, rows: records.map((r) => columns.map((c) => (r as Record<string, unknown>)[c])) };
}

function fromSplit(split: unknown): RequestTable {
  const s = split as { columns?: unknown; data?: unknown };
  if (!s || !Array.isArray(s.columns) || !s.columns.every((c) => typeof c === 'string') || !Array.isArray(s.data)) {
    throw new RequestError(400, '"dataframe_split" must be {"columns": ["name", ...], "data": [[value, ...], ...]}');
  }
  const columns = s.columns as string[];
  s.data.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== columns.length) throw new RequestError(400, `dataframe_split row ${i} has ${Array.isArray(row) ? row.length : 'no'} values for ${columns.length} columns`);
  });
  return { columns, rows: s.data as unknown[][] };
}

function fromColumns(inputs: Record<string, unknown>): RequestTable {
  const columns = Object.keys(inputs);
  const lengths = new Set(columns.map((c) => (Array.isArray(inputs[c]) ? (inputs[c] as unknown[]).length : -1)));
  if (lengths.has(-1) || lengths.size > 1) throw new RequestError(400, '"inputs" as an object must map every column to a list of values of one length');
  const n = columns.length === 0 ? 0 : (inputs[columns[0]!] as unknown[]).length;
  return { columns, rows: Array.from({ length: n }, (_, i) => columns.map((c) => (inputs[c] as unknown[])[i])) };
}

/**
 * A JSON scoring request in one of the shapes MLflow's scoring server takes: `dataframe_split`,
 * `dataframe_records`, `instances` (a list of row objects) or `inputs` (row objects, or columns of values).
 */
export function parseJsonRequest(text: string): RequestTable {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new RequestError(400, `the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(body)) return fromRecords(body, 'body');
  if (body === null || typeof body !== 'object') throw new RequestError(400, 'the request body must be a JSON object such as {"dataframe_records": [{...}]}');
  const b = body as Record<string, unknown>;
  const keys = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'].filter((k) => k in b);
  if (keys.length !== 1) {
    throw new RequestError(400, `the request must have exactly one of "dataframe_split", "dataframe_records", "instances", "inputs"; it has ${keys.length === 0 ? 'none' : keys.join(', ')}`);
  }
  const key = keys[0]!;
  if (key === 'dataframe_split') return fromSplit(b[key]);
  if (key === 'inputs' && b[key] !== null && typeof b[key] === 'object' && !Array.isArray(b[key])) return fromColumns(b[key] as Record<string, unknown>);
  return fromRecords(b[key], key);
}
