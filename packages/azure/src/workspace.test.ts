import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isModelUri } from '@prd/core';
import { tempDir } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import { globRegex, isAzurePath } from './data.js';
import { parseAzureMlModel } from './models.js';
import { mlflowBaseUrl, resolveWorkspace } from './workspace.js';

describe('workspace coordinates', () => {
  it('come from with, then the environment, then the nearest .azureml/config.json, as the Python SDK finds it', () => {
    const root = tempDir('prd-ws-');
    mkdirSync(join(root, '.azureml'));
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, '.azureml', 'config.json'), JSON.stringify({ subscription_id: 'sub-file', resource_group: 'rg-file', workspace_name: 'ws-file' }));
    const fromFile = resolveWorkspace({}, { cwd: join(root, 'a', 'b'), env: {} });
    expect(fromFile).toMatchObject({ subscriptionId: 'sub-file', resourceGroup: 'rg-file', workspace: 'ws-file', armEndpoint: 'https://management.azure.com' });
    expect(fromFile.origin).toBe(join(root, '.azureml', 'config.json'));
    const mixed = resolveWorkspace({ workspace: 'ws-recipe' }, { cwd: join(root, 'a'), env: { AZURE_RESOURCE_GROUP: 'rg-env' } });
    expect(mixed).toMatchObject({ subscriptionId: 'sub-file', resourceGroup: 'rg-env', workspace: 'ws-recipe' });
    expect(() => resolveWorkspace({}, { cwd: tempDir('prd-none-'), env: {}, pointer: '/compute' })).toThrow(/which AzureML workspace\? missing subscriptionId .*config\.json/);
  });

  it('the MLflow endpoint is https unless the resource manager is a plain-HTTP emulator', () => {
    expect(mlflowBaseUrl('azureml://uksouth.api.azureml.ms/mlflow/v1.0/subscriptions/s/', {})).toBe('https://uksouth.api.azureml.ms/mlflow/v1.0/subscriptions/s');
    expect(mlflowBaseUrl('azureml://127.0.0.1:9/mlflow/v1.0/x', { AZURE_RESOURCE_MANAGER_ENDPOINT: 'http://127.0.0.1:9' })).toBe('http://127.0.0.1:9/mlflow/v1.0/x');
  });
});

describe('Azure names', () => {
  it('model references, data paths and blob globs', () => {
    expect(parseAzureMlModel('azureml:precip:3')).toEqual({ name: 'precip', version: '3' });
    expect(parseAzureMlModel('azureml:precip@latest')).toEqual({ name: 'precip', version: undefined });
    expect(parseAzureMlModel('azureml://datastores/x/paths/y')).toBeUndefined();
    expect(isModelUri('azureml:precip:3')).toBe(true);
    expect(isModelUri('azureml:precip@latest')).toBe(true);
    expect(isAzurePath('https://acct.blob.core.windows.net/c/prd/*/x.csv')).toBe(true);
    expect(isAzurePath('https://example.com/x.csv')).toBe(false);
    const re = globRegex('prd/**/prd_merged_*.csv');
    expect(['prd/a/prd_merged_1.csv', 'prd/a/b/prd_merged_2.csv', 'prd/prd_merged_3.csv'].every((n) => re.test(n))).toBe(true);
    expect(re.test('prd/a/other.csv') || re.test('prd/a/prd_merged_1.csv.etag')).toBe(false);
  });
});
