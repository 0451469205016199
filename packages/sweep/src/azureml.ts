import { PrdError, type Issue } from '@prd/core';
import type { Distribution, SweepSpec } from './schema.js';
import { finiteValues } from './space.js';

/** Workspace resources a sweep job refers to (ARM ids, resolved by the AzureML backend). */
export interface AzureSweepTarget {
  experimentName: string;
  displayName?: string;
  computeId: string;
  environmentId: string;
  codeId?: string;
  /** The job file inside the code snapshot that every trial runs; default job.json. */
  jobFile?: string;
  /** How a trial starts prd; default `npx prd`. */
  prd?: string;
  /** The whole trial command before the `--set` arguments (the cluster run's command); overrides prd and jobFile. */
  command?: string;
  /** Inputs and outputs of every trial, REST-shaped (`{"run": {"jobOutputType": "uri_folder"}}`). */
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  environmentVariables?: Record<string, string>;
  tags?: Record<string, string>;
}

/** A problem found before anything is sent: an error (the feature has no AzureML equivalent) or a warning. */
export interface MappingIssue extends Issue {
  severity: 'error' | 'warning';
}

/** The AzureML name of a searched recipe path: `${{search_space.<name>}}` accepts identifiers only. */
export function searchSpaceName(path: string): string {
  return path.replace(/[^A-Za-z0-9_]/g, '_');
}

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** A distribution in the REST wire format of `searchSpace` (azure-ai-ml search_space.py `_to_rest_object`). */
function restDistribution(d: Distribution, grid: boolean): unknown[] {
  if (grid) return ['choice', [finiteValues(d)]];
  switch (d.distribution) {
    case 'choice':
      return ['choice', [d.values]];
    case 'uniform':
      return ['uniform', [d.min, d.max]];
    // AzureML's log distributions take the bounds of the log.
    case 'loguniform':
      return ['loguniform', [Math.log(d.min), Math.log(d.max)]];
    case 'quniform':
      return ['quniform', [d.min, d.max, d.q]];
    case 'qloguniform':
      return ['qloguniform', [Math.log(d.min), Math.log(d.max), d.q]];
    case 'randint':
      return ['randint', [d.upper]];
    case 'normal':
      return ['normal', [d.mu, d.sigma]];
  }
}

/** What of a sweep spec has no AzureML sweep-job equivalent, or behaves differently there; nothing is sent. */
export function azureSweepIssues(spec: SweepSpec, context: { tracked?: boolean } = {}): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const method = spec.sampling?.method ?? 'random';
  if (method === 'tpe') {
    issues.push({ severity: 'error', pointer: '/sweep/sampling/method', message: 'AzureML has no TPE sampling (its Bayesian sampling is another model and allows no early termination): use "random" or "sobol" for compute azureml' });
  }
  if (method === 'sobol') {
    issues.push({ severity: 'warning', pointer: '/sweep/sampling/method', message: "AzureML's Sobol rule draws its own sequence: the trials get other values than a local sweep with the same seed" });
  }
  const names = new Map<string, string>();
  for (const [path, d] of Object.entries(spec.space)) {
    const pointer = `/sweep/space/${path.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const name = searchSpaceName(path);
    if (names.has(name)) issues.push({ severity: 'error', pointer, message: `"${path}" and "${names.get(name)}" both become the AzureML search-space name "${name}"` });
    names.set(name, path);
    if (d.distribution === 'randint' && (d.lower ?? 0) !== 0 && method !== 'grid') {
      issues.push({ severity: 'error', pointer, message: `AzureML's randint draws from 0 to upper - 1; lower ${d.lower} does not map: use a choice of the values, or lower 0` });
    }
    if (d.distribution === 'choice' && !d.values.every(isScalar)) {
      issues.push({ severity: 'error', pointer, message: 'AzureML reads objects in a choice as nested search spaces and passes values as command-line text: choose among numbers, strings or booleans' });
    }
    if (method === 'grid' && !finiteValues(d)) issues.push({ severity: 'error', pointer, message: `grid sampling needs finite values; "${d.distribution}" is continuous` });
  }
  const et = spec.earlyTermination;
  if (et?.policy === 'asha') {
    issues.push({ severity: 'error', pointer: '/sweep/earlyTermination/policy', message: 'AzureML has no ASHA / successive-halving policy: use "bandit", "median-stopping" or "truncation-selection" for compute azureml' });
  }
  if (spec.objective.metric.includes('/') && et) {
    issues.push({ severity: 'error', pointer: '/sweep/earlyTermination', message: 'early termination needs a per-epoch objective' });
  }
  if (context.tracked === false) {
    issues.push({ severity: 'error', pointer: '/track', message: `AzureML reads "${spec.objective.metric}" from each trial's MLflow run: the recipe needs a tracker that logs to the workspace (azureml, or mlflow with the workspace's tracking URI)` });
  }
  return issues;
}

/** Seconds as an ISO-8601 duration (PT1H30M, PT45S). */
export function isoDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${r || (!h && !m) ? `${r}S` : ''}`;
}

/**
 * The native AzureML sweep job body (`PUT {workspace}/jobs/{name}`, jobType Sweep) for a sweep spec: sampling
 * algorithm, search space, objective, early-termination policy, limits, and a trial command that runs
 * `prd worker` with the trial's values. Throws a PrdError listing every feature that does not map.
 */
export function azureSweepJob(spec: SweepSpec, target: AzureSweepTarget, seed: number): { body: Record<string, unknown>; warnings: MappingIssue[] } {
  const issues = azureSweepIssues(spec);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new PrdError(`the sweep cannot run as an AzureML sweep job: ${errors.length} feature${errors.length > 1 ? 's do' : ' does'} not map`, errors);
  const method = spec.sampling?.method ?? 'random';
  const grid = method === 'grid';
  const searchSpace = Object.fromEntries(Object.entries(spec.space).map(([path, d]) => [searchSpaceName(path), restDistribution(d, grid)]));
  const sets = Object.keys(spec.space).map((path) => `--set '${path}=\${{search_space.${searchSpaceName(path)}}}'`);
  const command = [target.command ?? `${target.prd ?? 'npx prd'} worker ${target.jobFile ?? 'job.json'}`, ...sets].join(' ');
  const samplingAlgorithm = grid
    ? { samplingAlgorithmType: 'Grid' }
    : { samplingAlgorithmType: 'Random', rule: method === 'sobol' ? 'Sobol' : 'Random', seed: spec.seed ?? seed };
  const et = spec.earlyTermination;
  const common = et && et.policy !== 'asha' ? { evaluationInterval: et.evaluationInterval ?? 1, delayEvaluation: et.delayEvaluation ?? 0 } : {};
  const earlyTermination =
    et?.policy === 'bandit'
      ? { policyType: 'Bandit', ...(et.slackFactor !== undefined ? { slackFactor: et.slackFactor } : { slackAmount: et.slackAmount }), ...common }
      : et?.policy === 'median-stopping'
        ? { policyType: 'MedianStopping', ...common }
        : et?.policy === 'truncation-selection'
          ? { policyType: 'TruncationSelection', truncationPercentage: et.truncationPercentage, ...common }
          : undefined;
  const limits = {
    jobLimitsType: 'Sweep',
    maxTotalTrials: spec.limits.trials,
    maxConcurrentTrials: spec.limits.concurrency ?? 1,
    ...(spec.limits.timeoutSeconds !== undefined ? { timeout: isoDuration(spec.limits.timeoutSeconds) } : {}),
    ...(spec.limits.trialTimeoutSeconds !== undefined ? { trialTimeout: isoDuration(spec.limits.trialTimeoutSeconds) } : {}),
  };
  const properties: Record<string, unknown> = {
    jobType: 'Sweep',
    experimentName: target.experimentName,
    ...(target.displayName ? { displayName: target.displayName } : {}),
    computeId: target.computeId,
    ...(target.inputs ? { inputs: target.inputs } : {}),
    ...(target.outputs ? { outputs: target.outputs } : {}),
    tags: { 'prd.kind': 'sweep', ...(target.tags ?? {}) },
    trial: {
      command,
      environmentId: target.environmentId,
      ...(target.codeId ? { codeId: target.codeId } : {}),
      environmentVariables: target.environmentVariables ?? {},
      resources: { instanceCount: 1 },
    },
    searchSpace,
    samplingAlgorithm,
    objective: { primaryMetric: spec.objective.metric, goal: spec.objective.goal === 'minimize' ? 'Minimize' : 'Maximize' },
    ...(earlyTermination ? { earlyTermination } : {}),
    limits,
  };
  return { body: { properties }, warnings: issues.filter((i) => i.severity === 'warning') };
}
