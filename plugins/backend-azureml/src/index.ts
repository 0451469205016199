/** @prd/backend-azureml: run prd recipes on AzureML compute clusters. */
import { azureMlBackend } from './plugin.js';

export { azureMlBackend } from './plugin.js';
export { AzureMlOptions } from './options.js';
export { commandJobBody, NODE_COMMAND, assetId, environmentRef } from './job-body.js';
export { snapshot, dockerfile, contentHash } from './snapshot.js';
export { planJob, submitRun } from './submit.js';
export { planSweep, submitSweep } from './sweep-submit.js';

export default [azureMlBackend];
