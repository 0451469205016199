/** @prd/backend-azureml: run prd recipes on AzureML compute clusters. */
import { azureMlBackend } from './plugin.js';

export { azureMlBackend } from './plugin.js';
export { AzureMlOptions } from './options.js';
export { commandJobBody, NODE_COMMAND, assetId, environmentRef } from './job-body.js';
export { snapshot, contentHash, nodeRecipe } from './snapshot.js';
export { dockerfile, environmentContext, packageClosure, PRD_PREFIX, type EnvironmentContext } from './environment.js';
export { planJob, submitRun } from './submit.js';
export { planSweep, submitSweep } from './sweep-submit.js';

export default [azureMlBackend];
