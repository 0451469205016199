/**
 * Colour scales chosen from a figure's data. A fixed 0-1 scale leaves a high threshold's map uniformly dark (every
 * fraction below 0.05); here the upper end is the data's high quantile rounded up to a round number, the unit
 * interval is kept when the data fill most of it (so ordinary maps stay comparable), and the colour bar is labelled
 * at both ends of its range. Values beyond the range are drawn at its end colour and the legend says so (`≥ 0.05`).
 */

/** The quantile of the data the scale reaches: the few cells above it are drawn at the end colour. */
const HIGH_QUANTILE = 0.98;

/** A quantile of the finite values (linear between order statistics); undefined when there are none. */
export function quantile(values: ReadonlyArray<number | null>, q: number): number | undefined {
  const sorted = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
}

/** The smallest round number (1, 2, 2.5 or 5 times a power of ten) at or above a positive value. */
export function roundUp(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * power >= value * (1 - 1e-9))!;
  return Number((step * power).toPrecision(12));
}

/** A scale's end: the data's high quantile of magnitude, rounded up; 1 when that is over half of a unit range. */
function end(magnitudes: number[], unit: boolean): number {
  const high = quantile(magnitudes, HIGH_QUANTILE);
  if (high === undefined || high <= 0) return 1;
  const rounded = roundUp(high);
  return unit && rounded > 0.5 ? 1 : rounded;
}

const finite = (values: ReadonlyArray<number | null>) => values.filter((v): v is number => v !== null && Number.isFinite(v));

/**
 * The domain of a sequential scale for values: from 0 to the high quantile when the data are not negative (fractions,
 * scores), snapped to [0, 1] when data within the unit interval reach over half of it; otherwise symmetric.
 */
export function sequentialDomain(values: ReadonlyArray<number | null>): [number, number] {
  const data = finite(values);
  if (data.some((v) => v < 0)) return divergingDomain(data);
  return [0, end(data, data.every((v) => v <= 1))];
}

/** The domain of a diverging scale centred on 0: plus and minus the high quantile of the magnitudes. */
export function divergingDomain(values: ReadonlyArray<number | null>): [number, number] {
  const data = finite(values).map(Math.abs);
  const m = end(data, data.every((v) => v <= 1));
  return [-m, m];
}

/** A colour scale and how its legend reads. */
export interface ColourScale {
  /** Vega-Lite scale properties. */
  scale: Record<string, unknown>;
  domain: [number, number];
  /** The legend's title: the quantity, and the scale's range when the data narrowed it. */
  title: string[];
}

function titled(title: string, domain: [number, number], standard: [number, number]): string[] {
  return domain[0] === standard[0] && domain[1] === standard[1] ? [title] : [title, `scale ${domain[0]} to ${domain[1]}`];
}

/** Viridis from the data's sequential domain (fractions, FSS). */
export function sequentialScale(values: ReadonlyArray<number | null>, title: string): ColourScale {
  const domain = sequentialDomain(values);
  if (domain[0] < 0) return divergingScale(values, title);
  return { scale: { scheme: 'viridis', domain, clamp: true }, domain, title: titled(title, domain, [0, 1]) };
}

/** Red-blue centred on 0 (blue positive) from the data's diverging domain (differences, log biases). */
export function divergingScale(values: ReadonlyArray<number | null>, title: string): ColourScale {
  const domain = divergingDomain(values);
  return { scale: { scheme: 'redblue', reverse: true, domain, domainMid: 0, clamp: true }, domain, title: titled(title, domain, [-1, 1]) };
}
