import { describe, expect, it } from 'vitest';
import { azureMlJobContext, RunTokenCredential } from './job-context.js';
import type { Workspace } from './workspace.js';

const ws: Workspace = { subscriptionId: 'SUB-1', resourceGroup: 'rg-1', workspace: 'ws-1', armEndpoint: 'https://management.azure.com', origin: 'test' };
const inJob = {
  AZUREML_RUN_TOKEN: 'run-token-abc',
  AZUREML_RUN_TOKEN_EXPIRY: String(Math.floor(Date.now() / 1000) + 3600),
  MLFLOW_TRACKING_URI: 'azureml://uksouth.api.azureml.ms/mlflow/v1.0/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1',
  MLFLOW_RUN_ID: 'abc123',
  AZUREML_ARM_SUBSCRIPTION: 'sub-1',
  AZUREML_ARM_RESOURCEGROUP: 'RG-1',
  AZUREML_ARM_WORKSPACE_NAME: 'ws-1',
};

describe('the AzureML job a process runs in', () => {
  it('gives the job tracking URI, its MLflow run and the run token when the job belongs to the workspace', async () => {
    const job = azureMlJobContext(ws, inJob);
    expect(job).toMatchObject({ trackingUri: inJob.MLFLOW_TRACKING_URI, runId: 'abc123' });
    expect((await job!.credential.getToken('https://management.azure.com/.default'))?.token).toBe('run-token-abc');
  });

  it('is none outside a job, or in a job of another workspace', () => {
    expect(azureMlJobContext(ws, {})).toBeUndefined();
    expect(azureMlJobContext(ws, { ...inJob, AZUREML_RUN_TOKEN: '' })).toBeUndefined();
    expect(azureMlJobContext(ws, { ...inJob, AZUREML_ARM_WORKSPACE_NAME: 'ws-other' })).toBeUndefined();
    expect(azureMlJobContext(ws, { ...inJob, MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' })).toBeUndefined();
  });

  it('cannot renew the run token: an expired one is an error that says why', async () => {
    const expired = new RunTokenCredential('t', String(Math.floor(Date.now() / 1000) - 10));
    await expect(expired.getToken()).rejects.toThrow(/run token of this job expired .* re-submit the run/);
  });
});
