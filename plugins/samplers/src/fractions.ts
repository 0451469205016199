import { ident, PrdError, type DataEngine, type Relation } from '@prd/core';
import { Type } from '@sinclair/typebox';

/** Options schema of a split fraction. */
export function fraction(defaultValue: number, description: string) {
  return Type.Number({ minimum: 0, maximum: 1, exclusiveMaximum: 1, default: defaultValue, description });
}

/** Check that some rows are left for training; `pointer` is the sampler's recipe slot. */
export function checkFractions(validation: number, test: number, pointer: string): void {
  if (validation + test >= 1) {
    throw PrdError.of({
      pointer: `${pointer}/with`,
      message: `validation (${validation}) + test (${test}) is ${validation + test}; it must be below 1 so that rows are left for training`,
    });
  }
}

/** Python's round() (half to even), which pandas' `sample(frac=)` and numpy's round use for counts. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (Math.abs(diff - 0.5) > 1e-9) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * A seeded 64-bit hash of some columns: the sampling order of rows or keys. It depends only on the values and the
 * seed, never on the row order, so a split is the same however the data are read.
 */
export function keyHash(seed: number, columns: readonly string[]): string {
  return `hash(${Math.floor(seed)}::BIGINT, ${columns.map(ident).join(', ')})`;
}

/** Hash thresholds below which keys go to test, and then to validation. */
export interface Thresholds {
  test: bigint | null;
  validation: bigint | null;
}

/** How many of `n` keys go to a split: `floor` as the seed's random_sample, `round` (half to even) as pandas' sample(frac=). */
export type Rounding = 'floor' | 'round';

function countSql(n: string, fraction: number, rounding: Rounding): string {
  return rounding === 'floor' ? `floor(${n} * ${fraction})` : `round_even(${n} * ${fraction}, 0)`;
}

/**
 * The thresholds that send exactly round(K x test) of the K distinct keys (those with the lowest hashes) to test
 * and the next round(K x validation) to validation, in one pass that reads only the key columns.
 */
export async function hashThresholds(engine: DataEngine, keys: Relation, hash: string, test: number, validation: number, rounding: Rounding): Promise<Thresholds & { keys: number }> {
  const nTest = countSql('n', test, rounding);
  const nValidation = countSql('n', validation, rounding);
  const [row] = await engine.rows<{ t: bigint | null; v: bigint | null; k: bigint | null; nt: number | null; nv: number | null }>(
    `SELECT max(h) FILTER (WHERE r <= ${nTest}) AS t, max(h) FILTER (WHERE r <= ${nTest} + ${nValidation}) AS v, any_value(n) AS k,
       any_value(${nTest}) AS nt, any_value(${nValidation}) AS nv
     FROM (SELECT h, row_number() OVER (ORDER BY h) AS r, count(*) OVER () AS n FROM (SELECT ${hash} AS h FROM (${keys.sql})))`,
  );
  return { test: Number(row.nt ?? 0) > 0 ? row.t : null, validation: Number(row.nv ?? 0) > 0 ? row.v : null, keys: Number(row.k ?? 0) };
}

/** SQL of the split label of a row from its key hash. */
export function splitCase(hash: string, thresholds: Thresholds): string {
  const whens: string[] = [];
  if (thresholds.test !== null) whens.push(`WHEN ${hash} <= ${thresholds.test}::UBIGINT THEN 'test'`);
  if (thresholds.validation !== null) whens.push(`WHEN ${hash} <= ${thresholds.validation}::UBIGINT THEN 'validation'`);
  return whens.length === 0 ? `'train'` : `CASE ${whens.join(' ')} ELSE 'train' END`;
}

/** The input with a `split` column (replacing one that is there already). */
export function withSplit(input: Relation, label: string, hasSplit: boolean): Relation {
  return { sql: `SELECT *${hasSplit ? ' EXCLUDE (split)' : ''}, ${label} AS split FROM (${input.sql})` };
}
