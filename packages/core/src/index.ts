/** @prd/core: the engine of prd. Plugins and the CLI import from here. */
export { PrdError, isPrdError, formatIssue, formatPrdError, issueLocation, type Issue } from './errors.js';
export { closest } from './suggest.js';
export { SeededRandom, deriveSeed } from './random.js';
export { canonicalJson, hashOf, filesFingerprint } from './hash.js';

export * from './plugin/contract.js';
export { PluginRegistry, type PluginLoadFailure, type PluginOrigin, type RegisteredPlugin } from './plugin/registry.js';
export { discoverPlugins, findPluginPackages, pluginsFromModule, PLUGIN_KEYWORD, type DiscoveryOptions, type FoundPackage } from './plugin/discovery.js';

export { PLUGIN_SLOTS, FeaturesSchema, TrainSchema, recipeSchema, type Recipe, type PluginRef, type TrainConfig, type FeaturesConfig } from './recipe/base-schema.js';
export { composeRecipeSchema, recipeSchemaJson, slotSchema } from './recipe/compose.js';
export { loadRecipe, type LoadedRecipe } from './recipe/load.js';
export { applyOverride, overridePath, overrideValue } from './recipe/overrides.js';
export { interpolateEnv } from './recipe/interpolate.js';
export { describeOrigin, originOf, pointersOf, type Origin, type Provenance } from './recipe/provenance.js';
export { parseJsonSource, escapePointer, pointerTokens } from './recipe/json-source.js';
export { resolveRecipe, type ResolvedRecipe, type ResolveOptions } from './recipe/resolve.js';
export { Secrets, secrets } from './recipe/secrets.js';
export { RecipeValidator, explainErrors } from './recipe/validate.js';

export { DataEngine, ident, literal, parquetRelation, type ColumnInfo, type DataEngineOptions, type Relation } from './data/engine.js';
export { BAND_SETS, BAND_SET_NAMES, bandsFrom, bandLabel, type Band } from './data/bands.js';
export {
  resolveFeatures,
  requiredColumns,
  profileColumnIndex,
  mlPrefix,
  DEFAULT_METADATA,
  DEFAULT_NWP_SOURCE,
  DEFAULT_TARGET_SOURCE,
  type FeatureSpec,
  type ProfileFeature,
  type ResolvedBaseline,
  type ResolvedFeatures,
  type TaskKind,
} from './data/features.js';
export { nwpBandProbabilitySql, withNwpBandProbabilities } from './data/nwp.js';
export {
  SEED_HEIGHTS,
  SEED_PROFILE_VARIABLES,
  SEED_SINGLE_LEVEL,
  SEED_RADAR_SCALARS,
  SEED_TEXT_COLUMNS,
  SEED_GRID,
  profileColumn,
  seedMergedColumns,
  seedMergedFileName,
  seedFileTimestamp,
  type SeedColumnOrder,
} from './data/seed-schema.js';
export { writeSyntheticFiles, type SyntheticFileOptions, type WrittenFile } from './data/synthetic-files.js';
export { translateReadError } from './data/read-errors.js';
export { syntheticSql, syntheticEvents, syntheticRowCount, SYNTHETIC_MAX_CELLS, type SyntheticEvent, type SyntheticOptions } from './data/synthetic.js';
export { TensorFile, TensorFileWriter, rowWidth, type Batch, type BatchOptions, type TensorFileHeader, type TensorLayout } from './data/tensor-file.js';
export { writeTensorFile, type TensorColumn } from './data/tensor-export.js';
export { writePredictions } from './data/predictions.js';

export { RunEvents, STEP_NAMES, type EpochRecord, type RunEvent, type RunStatus, type StepName } from './run/events.js';
export { RunDirectory, historyCsv, newRunId, type Manifest, type StepRecord } from './run/run-dir.js';
export { StepCache, type CacheEntryInfo } from './run/cache.js';
export { inputColumns, featuresFromPreprocessing, type Preprocessing } from './run/preprocessing.js';
export { readJob, JOB_FORMAT, type RunJob, type WorkerJob, type WorkerLine } from './run/job.js';
export { runRecipe, type RunOptions, type RunReporter, type RunResult } from './run/runner.js';
export { scoreModel, type ScoreOptions, type ScoreResult } from './run/score.js';
export { applyModel, type ApplyModelOptions, type ApplyModelResult } from './run/apply-model.js';
export { createPlugin, isModelUri, modelDirOf, resolveModel, prepareInference, predictInference, type InferenceData, type ResolvedModel } from './run/inference.js';
export { planRun, type PlanStep, type RunPlan } from './run/plan.js';
export { mlColumns } from './run/steps/predict.js';
export { dataSummary, SUMMARY_LEVELS, type BandSummary, type DataSummary, type FiveNumbers } from './run/data-summary.js';
export { mergeMetrics } from './run/steps/evaluate.js';
export { gitInfo, type GitInfo } from './run/git.js';
