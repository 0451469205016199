/** @prd/tracker-mlflow: mirror prd runs to MLflow over its REST API. */
import { azureMlTracker } from './azureml.js';
import { mlflowTracker } from './plugin.js';

export { mlflowTracker } from './plugin.js';
export { MlflowTracker, type MlflowTrackerSettings } from './tracker.js';
export { MlflowClient, proxyRoot, type ModelVersion, type Run, type RunInfo, type ArtifactFile, type MlflowRunStatus } from './client.js';
export { MlflowHttp, MlflowError, retryDelay, TRANSIENT_STATUSES, type RetryPolicy, type RequestStats } from './http.js';
export { MlflowOptions, resolveConnection, type MlflowConnection } from './config.js';
export { LIMITS, mlflowKey, limitValue, metricValue, planBatches, type Metric, type KeyValue, type Batch } from './limits.js';
export { recipeParams, flattenMetrics } from './flatten.js';
export { parseModelUri, type ModelUri } from './model.js';
export { ledgerPath, readLedger, type Ledger } from './ledger.js';

export { azureMlTracker, AzureMlTrackerOptions } from './azureml.js';

export default [mlflowTracker, azureMlTracker];
