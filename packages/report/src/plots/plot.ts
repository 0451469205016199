import type { TopLevelSpec } from 'vega-lite';

/** Report sections, in page order. */
export const SECTIONS = ['training', 'metrics', 'cell-maps', 'maps', 'stamps', 'explain'] as const;
/** Where a plot appears in report.html. */
export type Section = (typeof SECTIONS)[number];

/** One figure: a Vega-Lite spec, written to `plots/<id>.svg` and `.png` and shown in report.html. */
export interface Plot {
  /** File stem under plots/, unique in a run. */
  id: string;
  section: Section;
  title: string;
  caption?: string;
  spec: TopLevelSpec;
  /** How report.html embeds it: inline SVG (charts) or a PNG data URI (maps with thousands of cells). */
  embed: 'svg' | 'png';
  /** Sub-heading the plot is grouped under in its section (a threshold, a split). */
  group?: string;
}

/** A file-name-safe form of a key: `0.01` -> `0.01`, `2020-02-15 06:00:00` -> `2020-02-15T0600`. */
export function slug(value: string): string {
  return value.replace(/ (\d\d):(\d\d)(:\d\d)?.*$/, 'T$1$2').replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-|-$/g, '');
}
