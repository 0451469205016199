import { PrdError, type Issue } from '../errors.js';
import type { Domain } from '../plugin/contract.js';
import { closest } from '../suggest.js';
import { bandsFrom, type Band } from './bands.js';

/** The recipe's `data.features` block: which columns are inputs, target, baseline and metadata. */
export interface FeatureSpec {
  /** Vertical-profile variables; each resolves to the columns `{name}_{height}`. */
  profile: string[];
  /** Single-level columns, used as they are. */
  singleLevel?: string[];
  /** Band fractions (`bands` + `source` column prefix) or one regression column (`column`). */
  target: { bands?: string | Record<string, readonly number[]>; source?: string; column?: string; binary?: boolean };
  /** The NWP comparison: existing band-probability columns, or an ensemble rate to derive them from. */
  baseline?: { source?: string; ensembleRate?: string } | false;
  /** Columns that identify a row (time, member, location). */
  metadata?: string[];
}

/** One profile variable and its columns, ordered by ascending height. */
export interface ProfileFeature {
  name: string;
  columns: string[];
}

/** What a model predicts: band fractions, one value, or the probability of a 0/1 column (seed §5.5). */
export type TaskKind = 'bands' | 'regression' | 'binary';

/** The NWP baseline as resolved against the data. */
export type ResolvedBaseline =
  | { kind: 'columns'; columns: string[] }
  | { kind: 'ensemble-rate'; rateColumn: string; columns: string[] }
  | { kind: 'none' };

/** Feature spec resolved against a dataset's columns: everything the tensors and reports need. */
export interface ResolvedFeatures {
  metadata: string[];
  /** The metadata column numbering ensemble members, if the data is an ensemble (from the data domain). */
  member?: string;
  heights: number[];
  profile: ProfileFeature[];
  singleLevel: string[];
  task: TaskKind;
  bands: Band[];
  /** Target column names as the pipeline writes them (`radar_fraction_in_band_instant_{key}`). */
  targetColumns: string[];
  /** For each target column, the data columns summed to make it (one for a plain band). */
  targetSources: string[][];
  /** Column prefixes for truth, NWP and ML band columns (`radar_…`, `mogrepsg_…`, `ml_…`). */
  prefixes: { truth: string; nwp: string; ml: string };
  baseline: ResolvedBaseline;
}

/**
 * What resolution needs from the data domain. Without one (generic data), nothing has a default: the recipe names
 * its metadata, target source and baseline source, and bands are custom.
 */
export type FeatureDomain = Pick<Domain, 'bandSets' | 'defaults' | 'mlPrefix'>;

const NO_DOMAIN: FeatureDomain = {
  bandSets: {},
  defaults: { metadata: [], targetSource: '', nwpSource: '' },
  mlPrefix: (truthPrefix) => `ml_${truthPrefix}`,
};

const HEIGHT_SUFFIX = /^(.+)_(-?\d+(?:\.\d+)?)$/;

/** Profile variables in a column list: variable name -> (height -> column). */
export function profileColumnIndex(columns: readonly string[]): Map<string, Map<number, string>> {
  const index = new Map<string, Map<number, string>>();
  for (const column of columns) {
    const match = HEIGHT_SUFFIX.exec(column);
    if (!match) continue;
    const [, name, height] = match;
    let byHeight = index.get(name);
    if (!byHeight) index.set(name, (byHeight = new Map()));
    byHeight.set(Number(height), column);
  }
  return index;
}

/** Columns whose numeric suffix after `prefix_` equals a band key (so `0.0` matches `0.00`). */
function bandColumn(prefix: string, key: string, columns: readonly string[]): string | undefined {
  const exact = `${prefix}_${key}`;
  if (columns.includes(exact)) return exact;
  const wanted = Number(key);
  if (Number.isNaN(wanted)) return undefined;
  return columns.find((c) => c.startsWith(`${prefix}_`) && Number(c.slice(prefix.length + 1)) === wanted);
}

/**
 * Resolve a feature spec against the columns a source provides. Every problem is reported at once, with the
 * nearest existing name. `pointer` is the recipe location of the spec, for error messages.
 */
export function resolveFeatures(spec: FeatureSpec, columns: readonly string[], options: { domain?: FeatureDomain; pointer?: string; binaryTargetMayBeMissing?: boolean } = {}): ResolvedFeatures {
  const domain = options.domain ?? NO_DOMAIN;
  const pointer = options.pointer ?? '/data/features';
  const issues: Issue[] = [];
  const available = new Set(columns);
  const index = profileColumnIndex(columns);

  const profile: ProfileFeature[] = [];
  let heights: number[] | undefined;
  spec.profile.forEach((name, i) => {
    const byHeight = index.get(name);
    if (!byHeight) {
      const suggestion = closest(name, index.keys());
      issues.push({
        pointer: `${pointer}/profile/${i}`,
        message: `profile feature "${name}" has no columns named "${name}_<height>" in the data`,
        suggestion,
      });
      return;
    }
    const own = [...byHeight.keys()].sort((a, b) => a - b);
    if (heights && own.join() !== heights.join()) {
      issues.push({
        pointer: `${pointer}/profile/${i}`,
        message: `profile feature "${name}" has heights [${own.join(', ')}] but "${profile[0].name}" has [${heights.join(', ')}]; every profile feature needs the same heights`,
      });
      return;
    }
    heights ??= own;
    profile.push({ name, columns: own.map((h) => byHeight.get(h)!) });
  });

  const singleLevel = spec.singleLevel ?? [];
  singleLevel.forEach((name, i) => {
    if (!available.has(name)) {
      issues.push({ pointer: `${pointer}/singleLevel/${i}`, message: `single-level feature "${name}" is not a column of the data`, suggestion: closest(name, columns) });
    }
  });

  const metadata = spec.metadata ?? domain.defaults.metadata;
  metadata.forEach((name, i) => {
    if (!available.has(name)) {
      issues.push({ pointer: `${pointer}/metadata/${i}`, message: `metadata column "${name}" is not a column of the data`, suggestion: closest(name, columns) });
    }
  });

  let task: ResolvedFeatures['task'] = 'bands';
  let bands: Band[] = [];
  let targetColumns: string[] = [];
  let targetSources: string[][] = [];
  let truthPrefix = domain.defaults.targetSource;
  if (spec.target.column !== undefined) {
    task = spec.target.binary ? 'binary' : 'regression';
    const column = spec.target.column;
    truthPrefix = column;
    targetColumns = [column];
    targetSources = [[column]];
    // A binary target is usually made by a transform (binary-target), so it may be missing before the transforms.
    if (!available.has(column) && !(task === 'binary' && options.binaryTargetMayBeMissing)) {
      issues.push({ pointer: `${pointer}/target/column`, message: `target column "${column}" is not a column of the data`, suggestion: closest(column, columns) });
    }
  } else {
    truthPrefix = spec.target.source ?? domain.defaults.targetSource;
    if (!truthPrefix) issues.push({ pointer: `${pointer}/target/source`, message: 'set "source", the column prefix of the target band fractions (the data domain gives no default)' });
    try {
      if (spec.target.bands === undefined) throw new Error('set "bands" (a band set name or custom bands) or "column"');
      bands = bandsFrom(spec.target.bands, domain.bandSets);
    } catch (error) {
      issues.push({ pointer: `${pointer}/target/bands`, message: (error as Error).message });
    }
    const missing: string[] = [];
    for (const band of bands) {
      const keys = band.sumOf ?? [band.key];
      const sources = keys.map((key) => bandColumn(truthPrefix, key, columns) ?? (missing.push(`${truthPrefix}_${key}`), ''));
      targetSources.push(sources);
      targetColumns.push(`${truthPrefix}_${band.key}`);
    }
    if (missing.length > 0) {
      const near = closest(missing[0], columns);
      issues.push({
        pointer: `${pointer}/target`,
        message: `target band column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} not in the data`,
        suggestion: near,
      });
    }
  }

  const baselineSpec = spec.baseline === false ? undefined : (spec.baseline ?? {});
  let baseline: ResolvedBaseline = { kind: 'none' };
  const nwpPrefix = baselineSpec?.source ?? domain.defaults.nwpSource;
  if (baselineSpec && task === 'bands' && !nwpPrefix) {
    // Generic data: a baseline is compared only when the recipe names its columns.
    if (spec.baseline) issues.push({ pointer: `${pointer}/baseline/source`, message: 'set "source", the column prefix of the baseline band probabilities (the data domain gives no default)' });
  } else if (baselineSpec && task === 'bands') {
    if (baselineSpec.ensembleRate) {
      const rate = baselineSpec.ensembleRate;
      if (!available.has(rate)) {
        issues.push({ pointer: `${pointer}/baseline/ensembleRate`, message: `ensemble rate column "${rate}" is not a column of the data`, suggestion: closest(rate, columns) });
      }
      baseline = { kind: 'ensemble-rate', rateColumn: rate, columns: bands.map((b) => `${nwpPrefix}_${b.key}`) };
    } else {
      const found = bands.map((b) => bandColumn(nwpPrefix, b.key, columns));
      if (found.every((c) => c !== undefined)) {
        baseline = { kind: 'columns', columns: found as string[] };
      } else if (spec.baseline) {
        // Asked for explicitly but absent: say so. When not asked, a dataset without NWP columns is fine.
        issues.push({ pointer: `${pointer}/baseline/source`, message: `NWP band columns "${nwpPrefix}_<band>" are not all in the data; set baseline.ensembleRate to derive them from member rates` });
      }
    }
  }

  if (issues.length > 0) {
    throw new PrdError(`the data does not have the columns the recipe's features name (${issues.length} problem${issues.length > 1 ? 's' : ''})`, issues);
  }
  const member = domain.defaults.member !== undefined && metadata.includes(domain.defaults.member) ? domain.defaults.member : undefined;
  return {
    metadata,
    ...(member ? { member } : {}),
    heights: heights ?? [],
    profile,
    singleLevel,
    task,
    bands,
    targetColumns,
    targetSources,
    prefixes: { truth: truthPrefix, nwp: nwpPrefix, ml: domain.mlPrefix(truthPrefix) },
    baseline,
  };
}

/** All data columns the pipeline reads for these features, without duplicates. */
export function requiredColumns(features: ResolvedFeatures): string[] {
  const columns = [
    ...features.metadata,
    ...features.profile.flatMap((p) => p.columns),
    ...features.singleLevel,
    ...features.targetSources.flat(),
  ];
  if (features.baseline.kind === 'columns') columns.push(...features.baseline.columns);
  if (features.baseline.kind === 'ensemble-rate') columns.push(features.baseline.rateColumn);
  return [...new Set(columns)];
}
