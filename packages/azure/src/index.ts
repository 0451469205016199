/** @prd/azure: shared Azure code of prd's AzureML plugins (auth, workspace, REST client, blob access). */
export { AzureAuth, ARM_SCOPE, STORAGE_SCOPE } from './auth.js';
export { azureMlJobContext, RunTokenCredential, type AzureMlJobContext } from './job-context.js';
export { resolveWorkspace, findConfigJson, workspaceId, studioJobUrl, mlflowBaseUrl, mlflowTrackingUri, WorkspaceOptions, DEFAULT_ARM_ENDPOINT, type Workspace } from './workspace.js';
export { ArmClient, ArmError, API_VERSION, type ArmCall, type ArmRetryPolicy, type ArmStats } from './arm.js';
export { openDatastore, blobEndpoint, datastoreUri, parseDatastoreUri, uploadFiles, hasBlobs, downloadPrefix, readFrom, type Datastore } from './storage.js';
export { registerModel, downloadModel, parseAzureMlModel } from './models.js';
export { isAzurePath, localizeAzurePath, globRegex } from './data.js';
