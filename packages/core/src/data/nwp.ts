import type { Band } from './bands.js';
import { ident, type Relation } from './engine.js';

/**
 * Add NWP band probabilities: for each band, the fraction of ensemble members (rows of one group) whose rate lies in
 * [lower, upper). Half-open bands as in the seed's data prep (seed-pipeline.md §2.4, §3.4); a rate at or above the
 * last upper bound falls in no band. The denominator is the number of member rows in the group.
 */
export function withNwpBandProbabilities(input: Relation, rateColumn: string, bands: readonly Band[], prefix: string, groupBy: readonly string[]): Relation {
  const rate = ident(rateColumn);
  const window = `(PARTITION BY ${groupBy.map(ident).join(', ')})`;
  const columns = bands.map((band) => {
    const inBand = `${rate} >= ${band.lower} AND ${rate} < ${band.upper}`;
    return `(count(*) FILTER (WHERE ${inBand}) OVER ${window})::DOUBLE / count(*) OVER ${window} AS ${ident(`${prefix}_${band.key}`)}`;
  });
  const names = bands.map((b) => ident(`${prefix}_${b.key}`));
  return { sql: `SELECT * EXCLUDE (${names.join(', ')}), ${columns.join(', ')} FROM (SELECT *, ${bands.map((_, i) => `NULL AS ${names[i]}`).join(', ')} FROM (${input.sql}))` };
}
