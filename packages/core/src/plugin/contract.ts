import type { Static, TSchema } from '@sinclair/typebox';
import type { Band } from '../data/bands.js';
import type { ColumnInfo, DataEngine, Relation } from '../data/engine.js';
import type { FeatureSpec, ResolvedFeatures, TaskKind } from '../data/features.js';
import type { TensorFile } from '../data/tensor-file.js';
import type { TrainConfig } from '../recipe/base-schema.js';
import type { EpochRecord, RunEvents, RunStatus } from '../run/events.js';
import type { OptionMigration } from '../recipe/migrations/types.js';
import type { KindInstances, PluginKind } from './kinds.js';
import type { OutputDeclaration } from './outputs.js';
import type { RemoteSweepRequest, RemoteSweepResult } from './remote-sweep.js';

export { KINDS, PLUGIN_KINDS, kind, defaultRef, defaultRefs, isList, isOptional, type KindDeclaration, type KindTable, type KindInstances, type PluginKind, type PluginRef, type BuiltInKinds, type Declared, type InstanceOf } from './kinds.js';

/** What every plugin is given when it is created. */
export interface PluginContext {
  /** The recipe's seed. */
  seed: number;
  /** Directory relative paths in the recipe resolve against (the recipe file's directory). */
  baseDir: string;
  /** JSON pointer of this plugin's slot in the recipe (`/data/source`), for error messages. */
  pointer: string;
  /** Progress and log events of the run. */
  events: RunEvents;
  /** Scratch space for this run. */
  tempDir: string;
}

// ----- data -----

/** What a source hands to the pipeline. */
export interface SourceData {
  /** Every row of the dataset, with typed columns. */
  relation: Relation;
  /** Changes whenever the data changes (paths, sizes, modification times or content), for the step cache. */
  fingerprint: string;
  /** One line for plans and reports, such as "2 CSV files under data/". */
  description: string;
  /** The files read, if any. */
  files?: string[];
  /**
   * The same rows with one more column, `__pos`: a BIGINT unique to each row and the same in every read of the data
   * the fingerprint stands for (for example its file and its row in the file). With it, prd remembers which rows the
   * leading filters kept, so later reads need not test every column of every row again.
   */
  numbered?: Relation;
}

/** Context of data steps: the engine and the recipe's feature spec. */
export interface DataContext extends PluginContext {
  engine: DataEngine;
  /** The recipe's `data.features` as written. */
  spec: FeatureSpec;
}

/** Context of transforms, samplers and rebalancers: the features as resolved against the input's columns. */
export interface TableContext extends DataContext {
  features: ResolvedFeatures;
  columns: ColumnInfo[];
}

/** `data.source`: yields the rows of a dataset. */
export interface DataSource {
  open(ctx: DataContext): Promise<SourceData>;
  /**
   * The columns `open` would yield, learnt without reading rows (file headers, a query's description), so
   * `prd validate` can check a recipe's paths and columns before a run. A path that matches nothing is a PrdError.
   */
  outline?(ctx: DataContext): Promise<SourceOutline>;
}

/** What a source can tell without reading its rows. */
export interface SourceOutline {
  /** Column names, as `open`'s relation has them. */
  columns: string[];
  /** One line describing the data, such as "2 CSV files under data/". */
  description: string;
}

/**
 * `data.domain`: the science of the data, which core does not know: the band sets a recipe may name, the default
 * column names of features, and how band probabilities are derived from an ensemble's member rates.
 */
export interface Domain {
  /** Band sets a recipe's `data.features.target.bands` may name. */
  bandSets: Readonly<Record<string, readonly Band[]>>;
  /** Column names used where the recipe's features leave them out. */
  defaults: {
    /** Columns identifying a row. */
    metadata: string[];
    /** The metadata column that numbers ensemble members (rows that differ only in it form one ensemble). */
    member?: string;
    /** Column prefix of the truth band fractions. */
    targetSource: string;
    /** Column prefix of the baseline's band probabilities. */
    nwpSource: string;
  };
  /** The column prefix of the model's band outputs, mirroring the truth prefix. */
  mlPrefix(truthPrefix: string): string;
  /**
   * Add band-probability columns `{prefix}_{band.key}` derived from a per-member rate column: per group of rows
   * (one ensemble), the fraction of members whose rate is in each band. With `ensemble`, the members are counted
   * there (the data as read, before transforms dropped members) and joined onto `input`'s rows.
   */
  ensembleProbabilities(input: Relation, rateColumn: string, bands: readonly Band[], prefix: string, groupBy: readonly string[], ensemble?: Relation): Relation;
}

/** `data.transforms[]`: filters rows or derives columns. Returns a relation over the input. */
export interface Transform {
  apply(input: Relation, ctx: TableContext): Promise<Relation> | Relation;
  /**
   * For a transform that only drops rows: the SQL condition a kept row meets (see `rowFilter`, which makes both hooks
   * from one condition). prd then applies it itself and may remember which rows were kept (data/row-selection.ts).
   */
  keeps?(ctx: TableContext): string;
}

/** A transform made by rowFilter. */
export interface RowFilter extends Transform {
  keeps(ctx: TableContext): string;
  apply(input: Relation, ctx: TableContext): Relation;
}

/** A transform that only drops rows: those that do not meet `keeps(ctx)`, a SQL condition over the input's columns. */
export function rowFilter(keeps: (ctx: TableContext) => string): RowFilter {
  return { keeps, apply: (input, ctx) => ({ sql: `SELECT * FROM (${input.sql}) WHERE (${keeps(ctx)})` }) };
}

/** The split labels a sampler assigns, in the order they are counted and numbered. */
export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** `split`: adds a VARCHAR column `split` with `train`, `validation` or `test` to every row. */
export interface Sampler {
  assign(input: Relation, ctx: TableContext): Promise<Relation> | Relation;
}

/** `rebalance`: resamples the training rows. */
export interface Rebalancer {
  apply(train: Relation, ctx: TableContext): Promise<Relation> | Relation;
}

// ----- models and compute -----

/** Shape of the model's inputs and outputs, from the resolved features. */
export interface ModelShape {
  heights: number;
  profileFeatures: number;
  singleLevel: number;
  outputs: number;
  task: TaskKind;
}

/** `model`: builds an untrained model for a shape. The model type belongs to the backend (tfjs LayersModel). */
export interface ModelBuilder<M = unknown> {
  build(shape: ModelShape): M | Promise<M>;
}

/**
 * A training job as data: plain JSON, so it can be written to a file and run by `prd worker` in a fresh process or
 * on another machine. Paths are absolute (or relative to where the job runs).
 */
export interface TrainJob {
  /** The model plugin's name and resolved options; where the job runs, the plugin is created from them. */
  model: { use: string; with: Record<string, unknown> };
  shape: ModelShape;
  /** Tensor file of the (standardised, shuffled) training rows. */
  train: string;
  /** Tensor file of the validation rows, if there are any. */
  validation?: string;
  config: TrainConfig & { loss: NonNullable<TrainConfig['loss']> };
  seed: number;
  /** The trained model goes here (the backend's own files; core adds preprocessing.json and MLmodel). */
  modelDir: string;
  /** A checkpoint per epoch goes here; `resume` continues from the newest. */
  checkpointDir: string;
  resume: boolean;
  /**
   * A trained model directory (`prd run --from`) whose weights the new model starts from instead of its seeded
   * initialisation; weights whose shapes do not fit are a user error, except the output layer's (new bands).
   */
  initialWeights?: string;
}

/** How to start `prd worker` in a child process: the command and its first arguments (node and the CLI script). */
export interface WorkerLauncher {
  command: string[];
  /** Plugins beyond the installed ones (a recipe's `plugins`), for the worker to load too. */
  plugins?: { extra: string[]; baseDir: string };
}

/** What a training job runs with that is not data: the live model builder, events, abort signal. */
export interface TrainContext {
  /** The job's model plugin, created: builds the untrained model (not called when resuming from a checkpoint). */
  model: ModelBuilder;
  events: RunEvents;
  signal: AbortSignal;
  /** Present when prd can start `prd worker` processes here (the CLI gives it). */
  worker?: WorkerLauncher;
}

/** The saved model's format and signature, for the MLmodel file core writes beside it. */
export interface SavedModelInfo {
  /** Format name in MLmodel (`tfjs_layers_model`); `prd predict` hands it back to the backend. */
  format: string;
  /** Files of the format, relative to the model directory (`model_json: model.json`). */
  files: Record<string, string>;
  /** Version of the library that wrote it (`tfjs_version`). */
  libraryVersion?: string;
  /** Input and output names and shapes, without the batch dimension. */
  inputs: Array<{ name: string; shape: number[] }>;
  outputs: Array<{ name: string; shape: number[] }>;
}

/** What training produced. */
export interface TrainOutcome {
  history: EpochRecord[];
  /** The epoch whose weights were kept (the last, or the best with early stopping). */
  bestEpoch: number;
  stoppedEarly: boolean;
  /** Which runtime trained, such as "tfjs-wasm". */
  runtime: string;
  samplesPerSecond: number;
  parameters: number;
  saved: SavedModelInfo;
}

/** Apply a saved model to a tensor file. */
export interface PredictJob {
  modelDir: string;
  /** The model's format, as its MLmodel names it. */
  format: string;
  input: TensorFile;
  batchSize: number;
  events: RunEvents;
  signal: AbortSignal;
}

/** A package a remote run installs: its name, version and the folder it is installed (or linked) in here. */
export interface RunPackage {
  name: string;
  version: string;
  dir: string;
}

/** A whole run handed to a backend that runs it elsewhere (`ComputeBackend.submitRun`). */
export interface RemoteRunRequest {
  /** The resolved recipe as it may be written (`${env:NAME}` placeholders kept: secrets stay on this machine). */
  recipe: Record<string, unknown>;
  /** The recipe file's folder (relative data paths resolve against it). */
  baseDir: string;
  runsDir: string;
  /**
   * The packages a run of `recipe` needs on another machine (it installs them): prd's CLI and the package of every
   * plugin the recipe's slots name (a slot left out: its kind's default), each with the folder it is installed in.
   */
  packagesFor(recipe: Record<string, unknown>): RunPackage[];
  prdVersion: string;
  /** Build and return what would be sent; contact nothing. */
  dryRun: boolean;
  events: RunEvents;
  signal: AbortSignal;
}

/** What a remote run gave back: the request it would send (dry run), or the finished run, downloaded. */
export type RemoteRunResult =
  | { dryRun: true; request: Record<string, unknown> }
  | { dryRun: false; runId: string; runDir: string; status: RunStatus; metrics: MetricTree; durationMs: number };

/** `compute`: trains and applies models. */
export interface ComputeBackend {
  /** One line for plans, such as "local, tfjs-wasm". */
  describe(): string;
  train(job: TrainJob, context: TrainContext): Promise<TrainOutcome>;
  /** Predictions, rows x outputs, row-major. */
  predict(job: PredictJob): Promise<Float32Array>;
  /** Optional: run the whole recipe elsewhere (a cluster); `prd run` hands the run over when a backend has this. */
  submitRun?(request: RemoteRunRequest): Promise<RemoteRunResult>;
  /** Optional: run a recipe's sweep elsewhere as one native sweep job; `prd sweep` hands it over when a backend has this. */
  submitSweep?(request: RemoteSweepRequest): Promise<RemoteSweepResult>;
  /**
   * Build `model` for `shape` as `train` would, without data, and free it; throws when the model does not fit the
   * shape. `prd validate` calls it to check a recipe's model against its features before a run.
   */
  checkModel?(model: ModelBuilder, shape: ModelShape): Promise<void>;
}

// ----- tracking -----

/** What a tracker learns when a run starts. */
export interface TrackedRun {
  runId: string;
  runDir: string;
  name: string;
  /** The resolved recipe with secrets left as `${env:NAME}` placeholders. */
  recipe: Record<string, unknown>;
  /** Tags such as git commit and user. */
  tags: Record<string, string>;
  startTime: number;
}

/** How a run ended, for trackers. */
export interface TrackedEnd {
  status: RunStatus;
  runDir: string;
  endTime: number;
}

/**
 * `track[]`: mirrors a run somewhere (MLflow, AzureML). Every hook is optional. A tracker that fails never fails
 * the run: the run directory is the source of truth and `sync` sends what was missed.
 */
export interface Tracker {
  runStarted?(run: TrackedRun): Promise<void>;
  epochEnded?(record: EpochRecord): Promise<void> | void;
  runEnded?(end: TrackedEnd): Promise<void>;
  /**
   * Tags a child run must carry to appear under the current run (a sweep's trials under the sweep), such as
   * MLflow's `mlflow.parentRunId`. Waits until the tracker's own run exists; empty when that cannot be known.
   */
  childTags?(): Promise<Record<string, string>>;
  /** Make the tracker's record of a finished run directory complete. */
  sync?(runDir: string): Promise<{ sent: string[]; skipped: string[] }>;
  /**
   * Download a model named by a URI this tracker understands (`runs:/<id>/model`, `models:/<name>@<alias>`) into
   * `destDir`; return false for URIs of other trackers.
   */
  downloadModel?(uri: string, destDir: string): Promise<boolean>;
}

// ----- evaluation and explanation -----

/** Nested metrics: `fss -> "0.5" -> ml`. Leaves are numbers (null when undefined, like 0/0). */
export interface MetricTree {
  [name: string]: number | null | MetricTree;
}

/** What an evaluator scores: one split's predictions next to truth and baseline. */
export interface EvaluationInput {
  split: SplitName;
  /** Columns: metadata, truth (`features.targetColumns`), NWP baseline, ML (`features.prefixes.ml`_key). */
  predictions: Relation;
  features: ResolvedFeatures;
  engine: DataEngine;
  /**
   * Directory for outputs too large for metrics.json (per-grid-cell tables for maps); the runner copies it into the
   * run directory as `evaluation/<split>/`. Absent when an evaluator runs outside a run.
   */
  outDir?: string;
}

/** `evaluate[]`: scores predictions. */
export interface Evaluator {
  evaluate(input: EvaluationInput): Promise<MetricTree>;
}

/** What an explainer works on. */
export interface ExplainInput {
  modelDir: string;
  /** Test rows, standardised, as the model sees them. */
  test: TensorFile;
  features: ResolvedFeatures;
  shape: ModelShape;
  /** Write files (JSON, SVG, PNG) here. */
  outDir: string;
  events: RunEvents;
  signal: AbortSignal;
}

/** What an explainer produced. */
export interface ExplainOutcome {
  summary: MetricTree;
  files: string[];
}

/** `explain[]`: explains a trained model. */
export interface Explainer {
  explain(input: ExplainInput): Promise<ExplainOutcome>;
}

// ----- the plugin object -----

export type { FileDeclaration, MetricDeclaration, OutputDeclaration } from './outputs.js';

/**
 * A prd plugin: a typed object with a kind, a name, an options schema (TypeBox / JSON Schema) and a factory.
 * The options schema drives recipe validation, editor completion, CLI help and docs.
 */
export interface PrdPlugin<K extends PluginKind = PluginKind, S extends TSchema = TSchema> {
  kind: K;
  /** The word a recipe uses to pick this plugin (`"use": "csv"`). */
  name: string;
  /** One line for `prd plugins` and the docs. */
  description: string;
  /** JSON Schema of the `with` options, with defaults. */
  options: S;
  /** What the plugin produces (evaluators and explainers): metrics with their direction, and files. */
  outputs?: OutputDeclaration;
  /** Create the plugin's instance from validated options (defaults applied). */
  create(options: Static<S>, context: PluginContext): KindInstances[K] | Promise<KindInstances[K]>;
  /** Renames and removals of this plugin's options, oldest first: `prd migrate` applies them to recipes. */
  migrations?: readonly OptionMigration[];
}

/** Define a plugin with full type inference of its options. */
export function definePlugin<K extends PluginKind, S extends TSchema>(plugin: PrdPlugin<K, S>): PrdPlugin<K, S> {
  return plugin;
}

/** Any plugin, whatever its kind and options (`create` is a method, so its options parameter widens). */
export type AnyPlugin = PrdPlugin<PluginKind, TSchema>;
