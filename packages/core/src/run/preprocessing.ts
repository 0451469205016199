import type { Band } from '../data/bands.js';
import type { ResolvedBaseline, ResolvedFeatures, TaskKind } from '../data/features.js';

/**
 * Everything needed to turn raw rows into model inputs and model outputs into named columns, saved as
 * `preprocessing.json` beside the model (the seed pickled a scaler to the working directory; this is JSON
 * and travels with the model).
 */
export interface Preprocessing {
  format: 'prd-preprocessing';
  version: 1;
  task: TaskKind;
  metadata: string[];
  /** The ensemble member column among the metadata, if any. */
  member?: string;
  heights: number[];
  profile: Array<{ name: string; columns: string[] }>;
  singleLevel: string[];
  /** Standardisation per input column, in tensor order: for each height, each profile feature; then single-level. */
  scaler: { columns: string[]; mean: number[]; std: number[] };
  bands: Band[];
  target: { columns: string[]; sources: string[][] };
  prefixes: ResolvedFeatures['prefixes'];
  baseline: ResolvedBaseline;
}

/** Input columns in tensor order: for each height (ascending), each profile feature in recipe order; then single-level. */
export function inputColumns(features: Pick<ResolvedFeatures, 'profile' | 'heights' | 'singleLevel'>): string[] {
  const columns: string[] = [];
  for (let h = 0; h < features.heights.length; h++) {
    for (const feature of features.profile) columns.push(feature.columns[h]);
  }
  return [...columns, ...features.singleLevel];
}

/** Resolved features as saved in preprocessing.json, so `prd predict` can resolve nothing again. */
export function featuresFromPreprocessing(p: Preprocessing): ResolvedFeatures {
  return {
    metadata: p.metadata,
    ...(p.member ? { member: p.member } : {}),
    heights: p.heights,
    profile: p.profile,
    singleLevel: p.singleLevel,
    task: p.task,
    bands: p.bands,
    targetColumns: p.target.columns,
    targetSources: p.target.sources,
    prefixes: p.prefixes,
    baseline: p.baseline,
  };
}
