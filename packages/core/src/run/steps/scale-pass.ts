import { join } from 'node:path';
import { ColumnMoments } from '../../data/column-moments.js';
import { ident, literal, type DataEngine } from '../../data/engine.js';
import { PlacedRowWriter } from '../../data/placed-rows.js';
import { floatItems } from '../../data/tensor-export.js';
import type { TensorLayout } from '../../data/tensor-file.js';
import { SPLIT_NAMES } from '../../plugin/contract.js';
import type { PreparedData } from '../context.js';
import { checkSplitRows, joinLabels, labelsOf, readSplitLabels, type SplitName } from './split-labels.js';

/** What one pass over the labelled rows gathered. */
export interface LabelledRows {
  /** Moments of the training rows' inputs (before any rebalancing), for the scaler. */
  moments: ColumnMoments;
  /** Each written split's rows, in place, waiting for the scaler (see PlacedRowWriter.finish). */
  writers: Partial<Record<SplitName, PlacedRowWriter>>;
}

/**
 * Read the transformed data once, by the split step's labels: the training inputs' moments, and the rows of the
 * `write` splits (input columns, then target expressions) kept as doubles at their final place in `<outDir>/<split>.f32`:
 * training rows in a seeded random order (so that reading them in blocks is already well mixed), the others in label
 * order. Nothing is sorted but the labels themselves, and memory stays at a chunk plus the writers' buffers.
 */
export async function readLabelledRows(engine: DataEngine, data: PreparedData, splitDir: string, seed: number, layout: TensorLayout, inputs: string[], targets: string[], write: SplitName[], outDir: string): Promise<LabelledRows> {
  const { counts } = readSplitLabels(splitDir);
  const asDouble = (expr: string) => `coalesce((${expr})::DOUBLE, 'NaN'::DOUBLE)`;
  const values = [...inputs.map((c) => asDouble(ident(c))), ...targets.map(asDouble)];
  const columns = values.map((expr, i) => `${expr} AS ${ident(`v${i}`)}`);
  // Each label's split (numbered as SPLIT_NAMES) and place: the seeded shuffle for training rows, label order for the
  // others. Computed from the labels alone into a small table first: joined as a subquery it made the pass 30% slower.
  const splitCode = `CASE split ${SPLIT_NAMES.map((s, i) => `WHEN ${literal(s)} THEN ${i}`).join(' ')} END::DOUBLE`;
  const places = 'prd_scale_places';
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${places} AS SELECT * EXCLUDE (split, __row), ${splitCode} AS __split, (row_number() OVER (PARTITION BY split ORDER BY CASE WHEN split = 'train' THEN hash(__row, ${seed}) END, __row) - 1)::DOUBLE AS __place FROM (${labelsOf(splitDir)})`);
  const joined = joinLabels(data, splitDir, `SELECT * FROM ${places}`, columns);
  const sql = `SELECT __split, __place, ${values.map((_, i) => ident(`v${i}`)).join(', ')} FROM (${joined.sql})`;

  const moments = new ColumnMoments(inputs);
  const writers: LabelledRows['writers'] = {};
  for (const split of write) writers[split] = new PlacedRowWriter(join(outDir, `${split}.f32`), layout, counts[split]);
  const found = [0, 0, 0];
  let train = new Int32Array(0);
  try {
    await engine.stream(sql, (chunk) => {
      const rows = chunk.rowCount;
      const split = floatItems(chunk.getColumnVector(0), rows);
      const place = floatItems(chunk.getColumnVector(1), rows);
      const columnsOfChunk = values.map((_, i) => floatItems(chunk.getColumnVector(i + 2), rows));
      if (train.length < rows) train = new Int32Array(rows);
      let trainRows = 0;
      for (let r = 0; r < rows; r++) {
        const s = split[r];
        found[s]++;
        if (s === 0) train[trainRows++] = r;
        writers[SPLIT_NAMES[s]]?.put(place[r], columnsOfChunk, r);
      }
      moments.add(columnsOfChunk, train, trainRows);
    });
    // Every label must have found its row: otherwise the cached split was made from other data.
    SPLIT_NAMES.forEach((s, i) => checkSplitRows(s, counts[s], found[i]));
  } catch (error) {
    for (const writer of Object.values(writers)) writer?.discard();
    throw error;
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${places}`);
  }
  return { moments, writers };
}
