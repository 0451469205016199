import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PrdError } from '@prd/core';
import { Type, type Static } from '@sinclair/typebox';

/** Workspace options every AzureML plugin accepts in its `with` (unset ones come from the environment or config.json). */
export const WorkspaceOptions = {
  subscriptionId: Type.Optional(Type.String({ description: 'Azure subscription id; default $AZURE_SUBSCRIPTION_ID, else config.json' })),
  resourceGroup: Type.Optional(Type.String({ description: 'Resource group of the workspace; default $AZURE_RESOURCE_GROUP, else config.json' })),
  workspace: Type.Optional(Type.String({ description: 'AzureML workspace name; default $AZUREML_WORKSPACE_NAME, else config.json' })),
};
/** The workspace part of a plugin's options. */
export type WorkspaceOptions = Static<ReturnType<typeof Type.Object<typeof WorkspaceOptions>>>;

/** Where a workspace is, and the endpoints prd talks to. */
export interface Workspace {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  /** Azure Resource Manager, `https://management.azure.com` in the public cloud. */
  armEndpoint: string;
  /** Where each setting came from, for messages. */
  origin: string;
}

/** Public-cloud ARM; sovereign clouds (and tests) set AZURE_RESOURCE_MANAGER_ENDPOINT. */
export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';

/**
 * The `config.json` the Python SDK would use (`MLClient.from_config()`): `.azureml/config.json` or `config.json` in
 * `from` or the nearest parent that has one.
 */
export function findConfigJson(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    for (const candidate of [join(dir, '.azureml', 'config.json'), join(dir, 'config.json')]) {
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

interface ConfigJson {
  subscription_id?: string;
  resource_group?: string;
  workspace_name?: string;
}

function readConfigJson(file: string): ConfigJson {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not a JSON object');
    return parsed as ConfigJson;
  } catch (error) {
    throw new PrdError(`${file}: not an AzureML config.json (${(error as Error).message}); download it from the workspace's overview page in Azure ML studio`);
  }
}

/**
 * Workspace coordinates from the recipe's `with` (first), the environment (AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP,
 * AZUREML_WORKSPACE_NAME, or the AZUREML_ARM_* variables AzureML sets inside jobs), then the nearest config.json.
 */
export function resolveWorkspace(options: WorkspaceOptions, where: { pointer?: string; baseDir?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Workspace {
  const env = where.env ?? process.env;
  const origins: string[] = [];
  let subscriptionId = options.subscriptionId ?? env.AZURE_SUBSCRIPTION_ID ?? env.AZUREML_ARM_SUBSCRIPTION;
  let resourceGroup = options.resourceGroup ?? env.AZURE_RESOURCE_GROUP ?? env.AZUREML_ARM_RESOURCEGROUP;
  let workspace = options.workspace ?? env.AZUREML_WORKSPACE_NAME ?? env.AZUREML_ARM_WORKSPACE_NAME;
  if (options.workspace) origins.push(`${where.pointer ?? ''}/with`);
  else if (workspace) origins.push('environment variables');
  if (!subscriptionId || !resourceGroup || !workspace) {
    const file = [where.baseDir, where.cwd ?? process.cwd()].filter((d): d is string => !!d).map(findConfigJson).find(Boolean);
    if (file) {
      const config = readConfigJson(file);
      subscriptionId ??= config.subscription_id;
      resourceGroup ??= config.resource_group;
      workspace ??= config.workspace_name;
      origins.push(file);
    }
  }
  const missing = [
    subscriptionId ? undefined : 'subscriptionId (or $AZURE_SUBSCRIPTION_ID)',
    resourceGroup ? undefined : 'resourceGroup (or $AZURE_RESOURCE_GROUP)',
    workspace ? undefined : 'workspace (or $AZUREML_WORKSPACE_NAME)',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw PrdError.of({
      pointer: where.pointer ? `${where.pointer}/with` : undefined,
      message: `which AzureML workspace? missing ${missing.join(', ')}: set them in "with", export them, or put the workspace's config.json (Azure ML studio, "Download config file") in this folder`,
    });
  }
  const armEndpoint = (env.AZURE_RESOURCE_MANAGER_ENDPOINT || DEFAULT_ARM_ENDPOINT).replace(/\/+$/, '');
  return { subscriptionId: subscriptionId!, resourceGroup: resourceGroup!, workspace: workspace!, armEndpoint, origin: origins.join(', ') || 'defaults' };
}

/** The workspace's ARM resource id. */
export function workspaceId(ws: Workspace): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.workspace}`;
}

/** The Azure ML studio page of a job. */
export function studioJobUrl(ws: Workspace, jobName: string): string {
  return `https://ml.azure.com/runs/${encodeURIComponent(jobName)}?wsid=${encodeURIComponent(workspaceId(ws))}`;
}

/**
 * The HTTP base of an `azureml://<host>/mlflow/v1.0/...` tracking URI: `https://` as AzureML serves it, or `http://`
 * when the resource manager endpoint is plain HTTP (an emulator on loopback).
 */
export function mlflowBaseUrl(trackingUri: string, env: NodeJS.ProcessEnv = process.env): string {
  const scheme = (env.AZURE_RESOURCE_MANAGER_ENDPOINT ?? '').startsWith('http://') ? 'http' : 'https';
  return trackingUri.replace(/^azureml:\/\//, `${scheme}://`).replace(/\/+$/, '');
}

/** The workspace's MLflow tracking URI as AzureML publishes it (`GET` the workspace: `properties.mlFlowTrackingUri`). */
export async function mlflowTrackingUri(arm: { call<T>(method: 'GET', path: string, call: { what: string }): Promise<T> }, ws: Workspace): Promise<string> {
  const body = await arm.call<{ properties?: { mlFlowTrackingUri?: string } }>('GET', '', { what: `open workspace "${ws.workspace}"` });
  return body.properties?.mlFlowTrackingUri ?? `azureml://${'uksouth'}.api.azureml.ms/mlflow/v1.0${workspaceId(ws)}`;
}
