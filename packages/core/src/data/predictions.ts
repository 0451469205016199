import type { DataEngine } from './engine.js';
import { ident, literal } from './engine.js';

/**
 * Write predictions next to their rows: the metadata/truth/NWP file of a split, joined by position with the model's
 * outputs (rows x outputs), as one Parquet file with the ML columns named `names`.
 */
export async function writePredictions(engine: DataEngine, metaParquet: string, outputs: Float32Array, names: string[], outParquet: string): Promise<number> {
  const table = `__pred_${Math.random().toString(36).slice(2)}`;
  await engine.run(`CREATE TABLE ${table} (${names.map((n) => `${ident(n)} DOUBLE`).join(', ')})`);
  try {
    const appender = await engine.appender(table);
    const width = names.length;
    const rows = outputs.length / width;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < width; c++) appender.appendDouble(outputs[r * width + c]);
      appender.endRow();
    }
    appender.closeSync();
    const meta = `SELECT * FROM read_parquet(${literal(metaParquet)})`;
    const metaRows = await engine.count({ sql: meta });
    if (metaRows !== rows) throw new Error(`predictions: ${rows} model outputs for ${metaRows} rows`);
    await engine.run(`COPY (SELECT * FROM (${meta}) POSITIONAL JOIN ${table}) TO ${literal(outParquet)} (FORMAT parquet)`);
    return rows;
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${table}`);
  }
}
