import { closest } from '../suggest.js';

/** One intensity band: its key as used in column names, and its bounds in mm/h (or mm). */
export interface Band {
  key: string;
  lower: number;
  upper: number;
  /** For merged bands: the keys of the source bands whose fractions are summed. */
  sumOf?: string[];
}

/** Named band sets, as a data domain defines them. */
export type BandSets = Readonly<Record<string, readonly Band[]>>;

/**
 * Bands from a recipe value: the name of one of `sets` (the data domain's), or custom `{ key: [lower, upper] }` bands. Custom bands must be in
 * ascending order, each with lower < upper, and not overlap (touching bounds are fine: the seed's sets touch).
 */
export function bandsFrom(spec: string | Record<string, readonly number[]>, sets: BandSets = {}): Band[] {
  if (typeof spec === 'string') {
    const set = sets[spec];
    if (!set) {
      const names = Object.keys(sets);
      const near = closest(spec, names);
      throw new Error(`unknown band set "${spec}"${near ? `; did you mean "${near}"?` : ''} (known: ${names.join(', ') || 'none; give custom bands {"key": [lower, upper]}'})`);
    }
    return set.map((b) => ({ ...b, ...(b.sumOf ? { sumOf: [...b.sumOf] } : {}) }));
  }
  const bands = Object.entries(spec).map(([key, bounds]) => ({ key, lower: Number(bounds[0]), upper: Number(bounds[1]) }));
  if (bands.length === 0) throw new Error('custom bands are empty; give at least one {"key": [lower, upper]}');
  bands.forEach((band, i) => {
    if (!Number.isFinite(band.lower) || !Number.isFinite(band.upper) || spec[band.key].length !== 2) {
      throw new Error(`band "${band.key}" must be [lower, upper] with two numbers`);
    }
    if (band.lower >= band.upper) throw new Error(`band "${band.key}" has lower ${band.lower} >= upper ${band.upper}`);
    const previous = bands[i - 1];
    if (previous && band.lower < previous.upper) {
      throw new Error(`band "${band.key}" [${band.lower}, ${band.upper}] starts below the end of band "${previous.key}" [${previous.lower}, ${previous.upper}]; list bands in ascending order without overlap`);
    }
  });
  return bands;
}

/** Human label of a band, as the seed prints it: `0.5mm-4mm`. */
export function bandLabel(band: Band): string {
  return `${band.lower}mm-${band.upper}mm`;
}
