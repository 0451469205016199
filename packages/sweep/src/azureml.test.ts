import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrdError } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { azureSweepIssues, azureSweepJob, isoDuration } from './azureml.js';
import type { SweepSpec } from './schema.js';

const target = {
  experimentName: 'prd',
  displayName: 'hyperdrive-original',
  computeId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w/computes/cpu',
  environmentId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w/environments/prd/versions/1',
  codeId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w/codes/prd/versions/1',
};

/** The original's HyperDrive setting (seed-pipeline.md §7.4), as recipes/hyperdrive-original.json has it. */
const hyperdrive: SweepSpec = {
  space: {
    'train.batchSize': { distribution: 'choice', values: [32, 64, 128] },
    'train.optimizer.adam.learningRate': { distribution: 'loguniform', min: Math.exp(-6), max: Math.exp(-1) },
  },
  sampling: { method: 'random' },
  objective: { metric: 'val_loss', goal: 'minimize' },
  earlyTermination: { policy: 'bandit', slackFactor: 0.1, evaluationInterval: 2 },
  limits: { trials: 12, concurrency: 2, trialTimeoutSeconds: 3600, timeoutSeconds: 6 * 3600 },
};

const TYPES = {
  samplingAlgorithmType: ['Random', 'Grid', 'Bayesian'],
  rule: ['Random', 'Sobol'],
  policyType: ['Bandit', 'MedianStopping', 'TruncationSelection'],
  goal: ['Minimize', 'Maximize'],
  distribution: ['choice', 'uniform', 'loguniform', 'quniform', 'qloguniform', 'normal', 'lognormal', 'qnormal', 'qlognormal', 'randint'],
};

/**
 * The REST shape of a sweep job as integrations.md §2.8 documents it (2025-09-01 SweepJob example and d.ts):
 * required objective, samplingAlgorithm, searchSpace, trial (command, environmentId); the enums; the wire format
 * of each distribution; ISO-8601 durations. Returns what does not conform.
 */
function restShapeProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const p = body.properties as Record<string, any>;
  if (!p) return ['no "properties" wrapper'];
  if (p.jobType !== 'Sweep') problems.push('jobType must be Sweep');
  for (const key of ['objective', 'samplingAlgorithm', 'searchSpace', 'trial']) if (p[key] === undefined) problems.push(`missing ${key}`);
  for (const key of ['command', 'environmentId']) if (typeof p.trial?.[key] !== 'string') problems.push(`trial.${key} must be a string`);
  if (!TYPES.samplingAlgorithmType.includes(p.samplingAlgorithm?.samplingAlgorithmType)) problems.push('bad samplingAlgorithmType');
  if (p.samplingAlgorithm?.samplingAlgorithmType === 'Random' && !TYPES.rule.includes(p.samplingAlgorithm.rule)) problems.push('bad rule');
  if (!TYPES.goal.includes(p.objective?.goal) || typeof p.objective?.primaryMetric !== 'string') problems.push('bad objective');
  for (const [name, value] of Object.entries(p.searchSpace ?? {}) as Array<[string, any]>) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) problems.push(`search space name ${name} is not an identifier`);
    if (!Array.isArray(value) || value.length !== 2 || !TYPES.distribution.includes(value[0]) || !Array.isArray(value[1])) problems.push(`${name}: not [type, [args]]`);
    else if (value[0] === 'choice' && !(value[1].length === 1 && Array.isArray(value[1][0]))) problems.push(`${name}: choice must be ["choice", [[values]]]`);
    else if (['uniform', 'loguniform', 'normal'].includes(value[0]) && value[1].length !== 2) problems.push(`${name}: needs 2 arguments`);
    else if (['quniform', 'qloguniform'].includes(value[0]) && value[1].length !== 3) problems.push(`${name}: needs 3 arguments`);
    else if (value[0] === 'randint' && value[1].length !== 1) problems.push(`${name}: randint takes [upper]`);
    if (!String(p.trial?.command).includes(`\${{search_space.${name}}}`)) problems.push(`the trial command does not use ${name}`);
  }
  const et = p.earlyTermination;
  if (et) {
    if (!TYPES.policyType.includes(et.policyType)) problems.push('bad policyType');
    if (et.policyType === 'Bandit' && (et.slackFactor === undefined) === (et.slackAmount === undefined)) problems.push('Bandit needs slackFactor or slackAmount');
    if (et.policyType === 'TruncationSelection' && typeof et.truncationPercentage !== 'number') problems.push('TruncationSelection needs truncationPercentage');
    for (const k of ['evaluationInterval', 'delayEvaluation']) if (et[k] !== undefined && !Number.isInteger(et[k])) problems.push(`${k} must be an integer`);
  }
  const l = p.limits;
  if (l) {
    if (l.jobLimitsType !== 'Sweep') problems.push('limits.jobLimitsType must be Sweep');
    for (const k of ['timeout', 'trialTimeout']) if (l[k] !== undefined && !/^PT(\d+H)?(\d+M)?(\d+S)?$/.test(l[k])) problems.push(`limits.${k} is not an ISO-8601 duration`);
  }
  return problems;
}

describe('azureSweepJob', () => {
  it('maps the original HyperDrive setting to a native sweep job body of the documented REST shape', () => {
    const { body, warnings } = azureSweepJob(hyperdrive, target, 42);
    expect(warnings).toEqual([]);
    expect(restShapeProblems(body)).toEqual([]);
    const p = body.properties as Record<string, any>;
    expect(p.samplingAlgorithm).toEqual({ samplingAlgorithmType: 'Random', rule: 'Random', seed: 42 });
    expect(p.searchSpace.train_batchSize).toEqual(['choice', [[32, 64, 128]]]);
    // loguniform bounds are logs on the wire: exp(U(-6, -1)) as in the original
    expect(p.searchSpace.train_optimizer_adam_learningRate[0]).toBe('loguniform');
    expect(p.searchSpace.train_optimizer_adam_learningRate[1][0]).toBeCloseTo(-6, 12);
    expect(p.searchSpace.train_optimizer_adam_learningRate[1][1]).toBeCloseTo(-1, 12);
    expect(p.objective).toEqual({ primaryMetric: 'val_loss', goal: 'Minimize' });
    expect(p.earlyTermination).toEqual({ policyType: 'Bandit', slackFactor: 0.1, evaluationInterval: 2, delayEvaluation: 0 });
    expect(p.limits).toEqual({ jobLimitsType: 'Sweep', maxTotalTrials: 12, maxConcurrentTrials: 2, timeout: 'PT6H', trialTimeout: 'PT1H' });
    expect(p.trial.command).toBe("npx prd worker job.json --set 'train.batchSize=${{search_space.train_batchSize}}' --set 'train.optimizer.adam.learningRate=${{search_space.train_optimizer_adam_learningRate}}'");
  });

  it('maps grid (finite spaces become choices), sobol, median stopping and truncation selection', () => {
    const grid = azureSweepJob({ ...hyperdrive, sampling: { method: 'grid' }, space: { 'train.batchSize': { distribution: 'randint', lower: 30, upper: 33 } }, earlyTermination: { policy: 'median-stopping', delayEvaluation: 1 } }, target, 1);
    expect(restShapeProblems(grid.body)).toEqual([]);
    expect((grid.body.properties as any).searchSpace.train_batchSize).toEqual(['choice', [[30, 31, 32]]]);
    expect((grid.body.properties as any).samplingAlgorithm).toEqual({ samplingAlgorithmType: 'Grid' });
    expect((grid.body.properties as any).earlyTermination).toEqual({ policyType: 'MedianStopping', evaluationInterval: 1, delayEvaluation: 1 });
    const sobol = azureSweepJob({ ...hyperdrive, sampling: { method: 'sobol' }, earlyTermination: { policy: 'truncation-selection', truncationPercentage: 20 } }, target, 1);
    expect(restShapeProblems(sobol.body)).toEqual([]);
    expect((sobol.body.properties as any).samplingAlgorithm.rule).toBe('Sobol');
    expect(sobol.warnings.map((w) => w.message)).toEqual([expect.stringContaining("AzureML's Sobol rule draws its own sequence")]);
  });

  it('says before anything is sent which features do not map (TPE, ASHA, randint lower bound, object choices)', () => {
    const spec: SweepSpec = {
      ...hyperdrive,
      sampling: { method: 'tpe' },
      space: { 'model.with.filters': { distribution: 'randint', lower: 8, upper: 64 }, 'train.optimizer': { distribution: 'choice', values: [{ adam: {} }, { sgd: {} }] } },
      earlyTermination: { policy: 'asha' },
    };
    const messages = azureSweepIssues(spec).map((i) => `${i.severity} ${i.pointer}: ${i.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^error \/sweep\/sampling\/method: AzureML has no TPE sampling/),
      expect.stringMatching(/^error \/sweep\/space\/model.with.filters: AzureML's randint draws from 0 to upper - 1; lower 8 does not map/),
      expect.stringMatching(/^error \/sweep\/space\/train.optimizer: AzureML reads objects in a choice as nested search spaces/),
      expect.stringMatching(/^error \/sweep\/earlyTermination\/policy: AzureML has no ASHA/),
    ]);
    expect(() => azureSweepJob(spec, target, 1)).toThrow(PrdError);
    expect(() => azureSweepJob(spec, target, 1)).toThrow('the sweep cannot run as an AzureML sweep job: 4 features do not map');
  });

  it('writes ISO-8601 durations', () => {
    expect([45, 90, 3600, 5430, 0].map(isoDuration)).toEqual(['PT45S', 'PT1M30S', 'PT1H', 'PT1H30M30S', 'PT0S']);
  });
});

/**
 * A Python with azure-ai-ml: $AZURE_AI_ML_PYTHON, else a venv in the temp folder, created once with
 * `pip install azure-ai-ml==1.35.2` (PyPI). Undefined, with the reason, when neither works.
 */
function azureAiMlPython(): { python?: string; reason?: string } {
  const ready = (py: string) => spawnSync(py, ['-c', 'import azure.ai.ml'], { stdio: 'ignore' }).status === 0;
  if (process.env.AZURE_AI_ML_PYTHON) return ready(process.env.AZURE_AI_ML_PYTHON) ? { python: process.env.AZURE_AI_ML_PYTHON } : { reason: `AZURE_AI_ML_PYTHON=${process.env.AZURE_AI_ML_PYTHON} cannot import azure.ai.ml` };
  const venv = join(tmpdir(), 'prd-azure-ai-ml');
  const python = join(venv, 'bin', 'python');
  if (existsSync(python) && ready(python)) return { python };
  if (spawnSync('python3', ['--version'], { stdio: 'ignore' }).status !== 0) return { reason: 'python3 is not installed, so the body is not checked against the azure-ai-ml models' };
  if (process.env.PRD_SKIP_AZURE_AI_ML) return { reason: 'PRD_SKIP_AZURE_AI_ML is set' };
  try {
    if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'ignore', timeout: 120_000 });
    execFileSync(join(venv, 'bin', 'pip'), ['install', '-q', 'azure-ai-ml==1.35.2'], { stdio: 'ignore', timeout: 600_000 });
    return ready(python) ? { python } : { reason: 'azure-ai-ml installed but does not import' };
  } catch (error) {
    return { reason: `could not install azure-ai-ml from PyPI into ${venv}: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** Parses the body with azure-ai-ml's REST models, builds the SDK's SweepJob entity from it, and writes it back. */
const CHECK = `
import json, sys
from azure.ai.ml._restclient.arm_ml_service.models import JobBase
from azure.ai.ml.entities import Job
body = json.load(open(sys.argv[1]))
rest = JobBase(body)
job = Job._from_rest_object(rest)
back = job._to_rest_object().as_dict()["properties"]
out = {
  "entity": type(job).__name__,
  "sampling": type(job.sampling_algorithm).__name__,
  "policy": type(job.early_termination).__name__ if job.early_termination else None,
  "space": {k: type(v).__name__ for k, v in job.search_space.items()},
  "objective": [job.objective.primary_metric, job.objective.goal],
  "limits": [job.limits.max_total_trials, job.limits.max_concurrent_trials],
  "back": {k: back.get(k) for k in ["searchSpace", "samplingAlgorithm", "earlyTermination", "limits", "objective"]},
}
print(json.dumps(out))
`;

describe('azureSweepJob against the azure-ai-ml models', () => {
  const { python, reason } = azureAiMlPython();
  it.skipIf(!python)(`the SDK parses the body into its SweepJob entity and writes the same sweep fields back${python ? '' : ` (skipped: ${reason})`}`, { timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-azure-sweep-'));
    const file = join(dir, 'body.json');
    writeFileSync(file, JSON.stringify(azureSweepJob(hyperdrive, target, 42).body));
    const script = join(dir, 'check.py');
    writeFileSync(script, CHECK);
    const result = JSON.parse(execFileSync(python!, [script, file], { encoding: 'utf8' })) as Record<string, any>;
    expect(result.entity).toBe('SweepJob');
    expect(result.sampling).toBe('RandomSamplingAlgorithm');
    expect(result.policy).toBe('BanditPolicy');
    expect(result.space).toEqual({ train_batchSize: 'Choice', train_optimizer_adam_learningRate: 'LogUniform' });
    expect(result.objective).toEqual(['val_loss', 'minimize']);
    expect(result.limits).toEqual([12, 2]);
    const p = azureSweepJob(hyperdrive, target, 42).body.properties as Record<string, any>;
    // written back by the SDK, every sweep field is what prd sent
    // (the SDK writes the goal in lower case, "minimize"; the REST enum Minimize is case-insensitive on the service)
    expect(result.back).toEqual({ searchSpace: p.searchSpace, samplingAlgorithm: p.samplingAlgorithm, earlyTermination: p.earlyTermination, limits: p.limits, objective: { ...p.objective, goal: 'minimize' } });
  });
});
