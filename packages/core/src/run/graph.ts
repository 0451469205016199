import type { MetricTree, TrainOutcome, WorkerLauncher } from '../plugin/contract.js';
import type { StepEnv, PreparedData } from './context.js';
import type { Preprocessing } from './preprocessing.js';
import type { Manifest, RunDirectory } from './run-dir.js';
import type { LoadedData } from './steps/prepare.js';
import type { ScaleSummary } from './steps/scale.js';
import type { SplitCounts } from './steps/split-labels.js';
import type { TrackerFanout } from './trackers.js';

/** The typed output of every step: what a later step, the manifest and the events get from it. */
export interface StepOutputs {
  load: LoadedData;
  transform: PreparedData;
  split: { rows: SplitCounts };
  rebalance: { rows: number };
  scale: ScaleSummary;
  /** The outcome without its history (that is `history.json` in the entry); or, for a given model, where it came from. */
  train: Omit<TrainOutcome, 'history'> | { given: string };
  /** Rows predicted per split. */
  predict: { rows: Partial<Record<'validation' | 'test', number>> };
  /** The metrics are `metrics.json` in the entry. */
  evaluate: { splits: string[] };
  explain: { explainers: string[] };
  report: { files: number };
}

/** One step of a run. */
export type StepName = keyof StepOutputs;

/** What a step produced: its output, its cache entry (cached steps) and the digest later keys are built from. */
export interface StepResult<N extends StepName> {
  value: StepOutputs[N];
  /** The step's cache entry (cached steps only). */
  dir?: string;
  /** Content digest of the step's outputs: the entry's digest, or for a plain step the digest of what it read. */
  digest: string;
  cached: boolean;
}

/** A step that did not apply, and why. */
export interface Skipped {
  skipped: string;
}

/** Results so far, by step. */
export type StepResults = { [N in StepName]?: StepResult<N> | Skipped };

/** A trained model the graph applies instead of training one. */
export interface GivenModel {
  /** The model as the user named it (a run directory, a model folder or a tracker URI). */
  source: string;
  modelDir: string;
  preprocessing: Preprocessing;
  /** Content digest of the model directory: what the steps that read the model key on. */
  digest: string;
  /** Scoring needs the truth and NWP columns; predicting needs only the inputs. */
  requireTruth: boolean;
}

/** Everything a step's functions can reach. */
export interface GraphContext {
  env: StepEnv;
  results: StepResults;
  /** The run directory results are published into; absent when only planning. */
  run?: RunDirectory;
  manifest?: Manifest;
  /** `--resume`: training continues from the run's newest checkpoint. */
  resume: boolean;
  trackers?: TrackerFanout;
  /** How to start `prd worker` processes, for backends that train in one. */
  worker?: WorkerLauncher;
  /** Epochs trackers already received live (the rest of a cached or resumed history is sent after training). */
  sentEpochs: Set<number>;
  /** The run's metrics, once the evaluate step published them. */
  metrics?: MetricTree;
  /** A trained model to apply instead of training one (`prd evaluate`): the graph then neither splits nor trains. */
  given?: GivenModel;
  /** `prd run --from`: the model training starts from (as given, its local directory, and its content digest). */
  from?: { source: string; modelDir: string; digest: string; preprocessing: Preprocessing };
  /** Draws the report's figures from the run directory (the report step; the page is written once the run has ended). */
  report?: () => Promise<string[]>;
}

/**
 * One step, declared once: the runner, `prd plan`, the cache keys, the events, the manifest and the report's timings
 * all come from this declaration.
 */
export interface StepDef<N extends StepName> {
  name: N;
  /** Steps whose outputs this step reads: their digests are part of its key. */
  reads: readonly StepName[];
  /** Cached steps keep their outputs in a cache entry keyed by content; plain steps run every time (cheap or lazy). */
  cached: boolean;
  /** `prd plan` runs this plain step (it is lazy: nothing is read in full) to learn what later keys read. */
  plannable?: boolean;
  /** One line for plans and progress (the plugins involved). */
  detail?(env: StepEnv): string | undefined;
  /** Why the step does not apply to this run, if it does not. */
  skip?(g: GraphContext): string | undefined;
  /** What the key covers besides the digests of what the step reads: resolved options, plugins and their code, seed. */
  key(g: GraphContext): unknown;
  /** Plain steps: facts of the output that stand for its content in the digest (a source's fingerprint). */
  outputFacts?(value: StepOutputs[N]): unknown;
  /** Compute the output; a cached step writes its files into `dir` (a fresh directory that becomes the entry). */
  run(g: GraphContext, dir: string): Promise<StepOutputs[N]>;
  /** What the manifest and the step:end event show; default the output itself. */
  summary?(value: StepOutputs[N]): Record<string, unknown>;
  /** Make a result part of the run (copy files into the run directory, tell trackers); runs for cached results too. */
  publish?(g: GraphContext, result: StepResult<N>): Promise<void> | void;
}

/** The result of a step that ran or came from the cache; throws if it did not run or was skipped. */
export function resultOf<N extends StepName>(g: GraphContext, name: N): StepResult<N> {
  const result = g.results[name] as StepResult<N> | Skipped | undefined;
  if (!result || 'skipped' in result) throw new Error(`step ${name} has no result${result ? ` (skipped: ${result.skipped})` : ''}`);
  return result;
}

/** The result of a step if it ran (not skipped). */
export function maybeResultOf<N extends StepName>(g: GraphContext, name: N): StepResult<N> | undefined {
  const result = g.results[name] as StepResult<N> | Skipped | undefined;
  return result && !('skipped' in result) ? result : undefined;
}

/** The entry directory of a cached step's result. */
export function dirOf(g: GraphContext, name: StepName): string {
  const dir = resultOf(g, name).dir;
  if (!dir) throw new Error(`step ${name} has no cache entry`);
  return dir;
}

/** Declare a step (keeps `N` precise). */
export function defineStep<N extends StepName>(def: StepDef<N>): StepDef<N> {
  return def;
}

/** Any step of the table. */
export type AnyStepDef = { [N in StepName]: StepDef<N> }[StepName];
