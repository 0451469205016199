import { closest, ident, PrdError, type ColumnInfo, type ResolvedFeatures } from '@prd/core';

/** Where truth, NWP and ML values of one score sit in the predictions, in band (or target) order. */
export interface ScoreColumns {
  /** Band keys, or the single regression target column name. */
  keys: string[];
  /** Upper bound of each band (the exceedance threshold); empty for regression. */
  uppers: number[];
  truth: string[];
  ml: string[];
  /** Empty when the recipe has no NWP baseline. */
  nwp: string[];
}

/** The truth, NWP and ML columns the run writes for these features (see `mlColumns` in core). */
export function scoreColumns(features: ResolvedFeatures): ScoreColumns {
  if (features.task !== 'bands') {
    return { keys: [features.targetColumns[0]], uppers: [], truth: [features.targetColumns[0]], ml: [features.prefixes.ml], nwp: [] };
  }
  const keys = features.bands.map((b) => b.key);
  return {
    keys,
    uppers: features.bands.map((b) => b.upper),
    truth: [...features.targetColumns],
    ml: keys.map((k) => `${features.prefixes.ml}_${k}`),
    nwp: features.baseline.kind === 'none' ? [] : [...features.baseline.columns],
  };
}

/** Fail with every missing column at once, naming the nearest existing one. */
export function requireColumns(scorer: string, pointer: string, wanted: readonly string[], available: readonly ColumnInfo[]): void {
  const names = available.map((c) => c.name);
  const missing = wanted.filter((w) => !names.includes(w));
  if (missing.length === 0) return;
  throw new PrdError(
    `"${scorer}" cannot score these predictions: ${missing.length} column${missing.length > 1 ? 's are' : ' is'} missing`,
    missing.map((m) => ({ pointer, message: `the predictions have no column "${m}"`, suggestion: closest(m, names) })),
  );
}

/** Normalised column aliases the score SQL is written against: `__t0`, `__n0`, `__m0`, ... */
export const alias = {
  truth: (i: number): string => `__t${i}`,
  nwp: (i: number): string => `__n${i}`,
  ml: (i: number): string => `__m${i}`,
};

/** SELECT list that renames truth/NWP/ML columns to their aliases, cast to DOUBLE. */
export function normalisedSelect(columns: ScoreColumns): string[] {
  const out: string[] = [];
  columns.truth.forEach((c, i) => out.push(`${ident(c)}::DOUBLE AS ${alias.truth(i)}`));
  columns.nwp.forEach((c, i) => out.push(`${ident(c)}::DOUBLE AS ${alias.nwp(i)}`));
  columns.ml.forEach((c, i) => out.push(`${ident(c)}::DOUBLE AS ${alias.ml(i)}`));
  return out;
}

/** Every alias of the normalised view. */
export function aliases(columns: ScoreColumns): string[] {
  return [...columns.truth.map((_, i) => alias.truth(i)), ...columns.nwp.map((_, i) => alias.nwp(i)), ...columns.ml.map((_, i) => alias.ml(i))];
}

/** Threshold key as it appears in metrics.json: the band's upper bound as JavaScript prints it ("0.01", "4", "220"). */
export function thresholdKey(upper: number): string {
  return String(upper);
}
