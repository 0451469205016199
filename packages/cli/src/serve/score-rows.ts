import { closest, inputColumns, rowWidth, type Preprocessing, type TensorLayout } from '@prd/core';
import type { RequestTable } from './parse-body.js';
import { RequestError } from './request-error.js';

/** The tensor layout of a model's inputs, from its preprocessing. */
export function layoutOfModel(p: Preprocessing): TensorLayout {
  return { heights: p.heights.length, profileFeatures: p.profile.length, singleLevel: p.singleLevel.length, outputs: p.target.columns.length };
}

/**
 * Check a request's rows against the model's inputs and standardise them with its scaler, in tensor order (the
 * target slots, which the model never reads, are zero). Every missing column and every value that is not a finite
 * number is reported (first 20), naming the row and column: nothing is scored silently.
 */
export function tensorOfRows(p: Preprocessing, table: RequestTable): Float32Array {
  const inputs = inputColumns({ heights: p.heights, profile: p.profile, singleLevel: p.singleLevel });
  const at = new Map(table.columns.map((c, i) => [c, i]));
  const missing = inputs.filter((c) => !at.has(c));
  // Suggest only columns the model does not read: a misspelt name, not another height of the same variable.
  const needed = new Set(inputs);
  const spare = table.columns.filter((c) => !needed.has(c));
  if (missing.length > 0) {
    throw new RequestError(
      400,
      `the rows lack ${missing.length} of the model's ${inputs.length} input columns`,
      missing.slice(0, 20).map((c) => {
        const near = closest(c, spare);
        return `no column "${c}"${near ? `; did you mean "${near}"?` : ''}`;
      }),
    );
  }
  if (table.rows.length === 0) throw new RequestError(400, 'the request has no rows');
  const layout = layoutOfModel(p);
  const width = rowWidth(layout);
  const out = new Float32Array(table.rows.length * width);
  const problems: string[] = [];
  const { mean, std } = p.scaler;
  table.rows.forEach((row, r) => {
    inputs.forEach((column, i) => {
      const raw = row[at.get(column)!];
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (!Number.isFinite(value)) {
        if (problems.length < 20) problems.push(`row ${r}, column "${column}": ${JSON.stringify(raw ?? null)} is not a finite number`);
        return;
      }
      out[r * width + i] = (value - mean[i]!) / std[i]!;
    });
  });
  if (problems.length > 0) throw new RequestError(400, `${problems.length >= 20 ? '20 or more' : problems.length} input value${problems.length === 1 ? ' is' : 's are'} missing or not finite`, problems);
  return out;
}
