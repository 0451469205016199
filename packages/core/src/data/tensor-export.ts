import type { DuckDBVector } from '@duckdb/node-api';
import type { DataEngine, Relation } from './engine.js';
import { ident } from './engine.js';
import { TensorFileWriter, type TensorFileHeader, type TensorLayout } from './tensor-file.js';

/** A column expression of a tensor row, in order. */
export interface TensorColumn {
  /** SQL expression yielding a number. */
  expr: string;
}

/** A numeric column of a chunk as an array: DuckDB's own typed array where it has one, else converted item by item. */
export function floatItems(vector: DuckDBVector, rows: number): ArrayLike<number> {
  const items = (vector as unknown as { items?: ArrayLike<number> }).items;
  if (items && items.length >= rows) return items;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = Number(vector.getItem(r));
  return out;
}

/**
 * Stream a relation into a tensor file, one row per relation row, the columns cast to FLOAT in the given order.
 * Memory stays at one DuckDB chunk (about 2,048 rows) however large the relation.
 */
export async function writeTensorFile(engine: DataEngine, relation: Relation, columns: TensorColumn[], layout: TensorLayout, path: string, orderBy?: string): Promise<TensorFileHeader> {
  const select = columns.map((c, i) => `(${c.expr})::FLOAT AS ${ident(`c${i}`)}`).join(', ');
  const sql = `SELECT ${select} FROM (${relation.sql})${orderBy ? ` ORDER BY ${orderBy}` : ''}`;
  const writer = new TensorFileWriter(path, layout);
  const width = columns.length;
  if (width !== writer.width) throw new Error(`tensor layout has ${writer.width} values per row but ${width} columns were given`);
  let buffer = new Float32Array(0);
  await engine.stream(sql, (chunk) => {
    const rows = chunk.rowCount;
    if (buffer.length < rows * width) buffer = new Float32Array(rows * width);
    for (let c = 0; c < width; c++) {
      const items = floatItems(chunk.getColumnVector(c), rows);
      for (let r = 0; r < rows; r++) buffer[r * width + c] = items[r];
    }
    writer.append(buffer, rows);
  });
  return writer.close();
}
