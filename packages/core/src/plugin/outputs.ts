// What evaluators and explainers declare they produce; the report reads these instead of knowing plugins.

/**
 * One metric an evaluator or explainer reports (a top-level key of its metric tree; the declaration also covers
 * names that extend it with `_<suffix>`, such as `fss_control` for `fss`): how reports label it and which value
 * is better.
 */
export interface MetricDeclaration {
  /** Label for reports, such as "fractions skill score". */
  label: string;
  /** A higher value is better, a lower one, or the one nearest `ideal`. */
  direction: 'higher' | 'lower' | 'ideal';
  /** The perfect value (1 for a frequency bias); required with direction `ideal`, drawn as a reference line. */
  ideal?: number;
  /** Distances to `ideal` compare as ratios (0.5 and 2 are equally far from 1), for biases. */
  ratio?: boolean;
  /** What the keys under the metric are: exceedance thresholds (`> 4 mm/h`) or band keys. */
  keys?: 'thresholds' | 'bands';
}

/** A file an evaluator or explainer writes. */
export interface FileDeclaration {
  /** Path relative to the plugin's output directory; `*` matches any part of one name. */
  path: string;
  description: string;
  /** The file's format, for readers that draw it (`prd-importance`); absent for files only listed. */
  format?: string;
}

/**
 * What an evaluator or explainer produces, declared on the plugin and recorded in the run's manifest so that
 * reports need no plugin code: its metrics, with which way is better, and its files.
 */
export interface OutputDeclaration {
  metrics?: Record<string, MetricDeclaration>;
  files?: FileDeclaration[];
}
