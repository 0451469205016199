/** @prd/core: the engine of prd. Plugins and the CLI import from here. */
export { PrdError, isPrdError, formatIssue, formatPrdError, issueLocation, type Issue } from './errors.js';
export { closest } from './suggest.js';
export { SeededRandom, deriveSeed } from './random.js';
export { canonicalJson, hashOf, filesFingerprint } from './hash.js';

export * from './plugin/contract.js';
export type { RemoteSweepRequest, RemoteSweepResult, RemoteTrial } from './plugin/remote-sweep.js';
export { createPlugin as createPluginInstance, type Instance } from './plugin/create.js';
export { PluginRegistry, type PluginLoadFailure, type PluginOrigin, type RegisteredPlugin } from './plugin/registry.js';
export { recipePackages } from './plugin/packages.js';
export { discoverPlugins, findPluginPackages, pluginsFromModule, PLUGIN_KEYWORD, type DiscoveryOptions, type FoundPackage } from './plugin/discovery.js';

export { FeaturesSchema, TrainSchema, ReportSchema, recipeSchema, type Recipe, type PluginRef, type TrainConfig, type FeaturesConfig, type ReportConfig } from './recipe/base-schema.js';
export { composeRecipeSchema, recipeSchemaJson, slotSchema } from './recipe/compose.js';
export { loadRecipe, type LoadedRecipe, type MigratedFile } from './recipe/load.js';
export { applyOverride, overridePath, overrideValue } from './recipe/overrides.js';
export {
  applyEditsToText,
  applyEditsToValue,
  migrateRecipeText,
  pendingMigrations,
  pluginSlotRefs,
  recipeFormatOf,
  CORE_MIGRATIONS,
  RECIPE_FORMAT,
  type AppliedMigration,
  type MigratedText,
  type MigrationEdit,
  type OptionMigration,
  type OptionMigrationsOf,
  type PluginSlotRef,
  type RecipeMigration,
} from './recipe/migrate.js';
export { interpolateEnv } from './recipe/interpolate.js';
export { describeOrigin, originOf, pointersOf, type Origin, type Provenance } from './recipe/provenance.js';
export { parseJsonSource, escapePointer, pointerTokens } from './recipe/json-source.js';
export { resolveRecipe, type ResolvedRecipe, type ResolveOptions } from './recipe/resolve.js';
export { preflight, type PreflightResult } from './recipe/preflight.js';
export { Secrets, secrets } from './recipe/secrets.js';
export { MASK, maskUrl, secretPointers, urlSecrets } from './recipe/mask.js';
export { RecipeValidator, explainErrors } from './recipe/validate.js';

export { DataEngine, ident, literal, parquetRelation, type ColumnInfo, type DataEngineOptions, type Relation } from './data/engine.js';
export { bandsFrom, bandLabel, type Band, type BandSets } from './data/bands.js';
export {
  resolveFeatures,
  requiredColumns,
  profileColumnIndex,
  type FeatureDomain,
  type FeatureSpec,
  type ProfileFeature,
  type ResolvedBaseline,
  type ResolvedFeatures,
  type TaskKind,
} from './data/features.js';
export { translateReadError } from './data/read-errors.js';
export { TensorFile, TensorFileWriter, rowWidth, type Batch, type BatchOptions, type TensorFileHeader, type TensorLayout } from './data/tensor-file.js';
export { writeTensorFile, type TensorColumn } from './data/tensor-export.js';
export { writePredictions } from './data/predictions.js';

export { RunEvents, type EpochRecord, type RunEvent, type RunStatus, type StepName } from './run/events.js';
export { STEPS, STEP_NAMES } from './run/steps/table.js';
export { runScale, type ScaleSummary } from './run/steps/scale.js';
export { writeSplitLabels, splitRelation, readSplitLabels, type SplitLabels, type SplitCounts } from './run/steps/split-labels.js';
export type { AnyStepDef, GraphContext, StepDef, StepOutputs, StepResult } from './run/graph.js';
export { entryDigest as directoryDigest, entryFiles, fileSha256 } from './run/entry-digest.js';
export { packageCode, pluginCode, coreCode, type CodeIdentity } from './run/code-identity.js';
export { CACHE_FORMAT, pluginKey, stepKey } from './run/keys.js';
export { writeMlModel, readModelFormat, PRD_FLAVOR, type MlModelFacts } from './run/mlmodel.js';
export { buildModelContract, checkModel, modelFileDigests, readModelContract, writeModelContract, MODEL_CONTRACT, OLDEST_MODEL_CONTRACT, type ContractFacts, type ModelCheck, type ModelContract } from './run/model-contract.js';
export { RunDirectory, historyCsv, newRunId, type Manifest, type StepRecord } from './run/run-dir.js';
export { StepCache, entryDigest, verifyEntry, ENTRY_FILE, type CacheEntryInfo, type StepCacheOptions } from './run/cache.js';
export { recordFiles, checkFiles, filesDigest, sha256File, type FileRecord } from './run/cache-verify.js';
export { listEntries, pruneEntries, parseAge, type CacheEntryRow, type PruneOptions, type PruneResult } from './run/cache-list.js';
export { tempDirBeside, spillDir } from './run/temp-dirs.js';
export { listDerivedFiles, pruneDerivedFiles, useDerivedFile, type DerivedFileRow } from './run/derived-files.js';
export { openForResume, recipeDifferences, settleKilledRun, RESUMABLE_CHANGES, type RecipeDifference } from './run/resume.js';
export { currentProcess, processState, type ProcessIdentity, type ProcessState } from './run/process-identity.js';
export { inputColumns, featuresFromPreprocessing, type Preprocessing } from './run/preprocessing.js';
export { readJob, JOB_FORMAT, type RunJob, type TrainWorkerJob, type WorkerJob, type WorkerLine } from './run/job.js';
export { runTrainJob } from './run/train-job.js';
export { runWorkerProcess } from './run/worker-process.js';
export { createInstances, manifestPlugins, type Instances, type ManifestPlugin } from './run/instances.js';
export { runRecipe, type RunOptions, type RunReporter, type RunResult } from './run/runner.js';
export { scoreModel, type ScoreOptions, type ScoreResult } from './run/score.js';
export { applyModel, type ApplyModelOptions, type ApplyModelResult } from './run/apply-model.js';
export { createPlugin, createInstance, isModelUri, modelDirOf, resolveModel, type ResolvedModel } from './run/inference.js';
export { loadData, transformData, ensembleKeys, type LoadedData } from './run/steps/prepare.js';
export type { StepEnv, StepInstances, PreparedData } from './run/context.js';
export { runGivenModel, type GivenModelRun, type GivenModelResult } from './run/score.js';
export { planRun, type PlanStep, type RunPlan } from './run/plan.js';
export { mlColumns } from './run/steps/predict.js';
export { dataSummary, SUMMARY_LEVELS, type BandSummary, type DataSummary, type FiveNumbers } from './run/data-summary.js';
export { mergeMetrics } from './run/steps/evaluate.js';
export { gitInfo, type GitInfo } from './run/git.js';
export { selectRows, type RowSelection } from './data/row-selection.js';
