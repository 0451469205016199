/** @prd/sweep: hyperparameter sweeps of prd recipes. */
export { SweepSchema, DistributionSchema, SamplingSchema, ObjectiveSchema, EarlyTerminationSchema, type SweepSpec, type Distribution, type Sampling, type Objective, type EarlyTermination } from './schema.js';
export { fromUnit, finiteValues, finiteSize, valuesToCheck, setAssignments, formatValue, normalQuantile, type Params } from './space.js';
export { createSampler, randomSampler, gridSampler, sobolSampler, tpeSampler, type Sampler, type Draw, type Space } from './samplers.js';
export { SobolSequence, SOBOL_MAX_DIMENSIONS } from './sobol.js';
export { tpePropose, goodCount, type Observation, type Axis } from './tpe.js';
export { decide, evaluatedAt, ashaRungs, type Curves, type Decision } from './termination.js';
export { isEpochObjective, metricAt, metricPaths, isBetter, asLoss } from './objective.js';
export { SweepScheduler, bestTrial, type Launcher, type TrialCallbacks, type TrialHandle, type SchedulerOptions } from './scheduler.js';
export { writeState, readState, isDone, type SweepState, type SweepStatus, type TrialRecord, type TrialState } from './state.js';
export { checkSweep, epochMetrics } from './checks.js';
export { workerLauncher, trialJob, trialDir, historyEpochs, type WorkerLauncherOptions } from './worker-launcher.js';
export { openParentRun, noRegisterSets, registers, sweepMetrics, describeParams, type ParentRun } from './tracking.js';
export { bestRecipe, writeBestRecipe } from './best.js';
export { azureSweepJob, azureSweepIssues, searchSpaceName, isoDuration, type AzureSweepTarget, type MappingIssue } from './azureml.js';
