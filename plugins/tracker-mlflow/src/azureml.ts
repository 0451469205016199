import { ArmClient, ARM_SCOPE, AzureAuth, mlflowBaseUrl, mlflowTrackingUri, resolveWorkspace, WorkspaceOptions } from '@prd/azure';
import { definePlugin } from '@prd/core';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MlflowOptions, resolveConnection } from './config.js';
import { MlflowTracker } from './tracker.js';

const { uri: _uri, token: _token, username: _username, password: _password, insecureTls: _insecure, ...kept } = MlflowOptions.properties;

/** The `with` options of the `azureml` tracker: the workspace, and the MLflow tracker's options except the address and credentials. */
export const AzureMlTrackerOptions = Type.Object({ ...kept, ...WorkspaceOptions }, { additionalProperties: false });

/**
 * `track: [{ "use": "azureml" }]`: the MLflow tracker pointed at the workspace's MLflow-compatible endpoint (read from
 * the workspace, `properties.mlFlowTrackingUri`), with an Azure AD bearer token per request. It lives beside the
 * MLflow tracker because it is that tracker with another address and auth: a plugin never imports another plugin.
 */
export const azureMlTracker = definePlugin({
  kind: 'tracker',
  name: 'azureml',
  description: 'Mirror runs to an AzureML workspace through its MLflow endpoint (Azure AD auth); runs appear in Azure ML studio',
  options: AzureMlTrackerOptions,
  async create(options, ctx) {
    const full = Value.Default(AzureMlTrackerOptions, structuredClone(options ?? {})) as typeof options;
    const { subscriptionId, resourceGroup, workspace, ...mlflow } = full;
    const ws = resolveWorkspace({ subscriptionId, resourceGroup, workspace }, { pointer: ctx.pointer, baseDir: ctx.baseDir });
    const auth = new AzureAuth();
    const uri = mlflowBaseUrl(await mlflowTrackingUri(new ArmClient(ws, auth), ws));
    const connection = { ...resolveConnection({ ...(mlflow as MlflowOptions), uri }, {}, ctx.pointer), tokenProvider: () => auth.token(ARM_SCOPE) };
    return new MlflowTracker({ connection, options: mlflow as MlflowOptions, events: ctx.events });
  },
});
