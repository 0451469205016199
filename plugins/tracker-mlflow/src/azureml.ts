import { join } from 'node:path';
import { ArmClient, ARM_SCOPE, AzureAuth, azureMlJobContext, downloadModel, mlflowBaseUrl, mlflowTrackingUri, registerModel, resolveWorkspace, WorkspaceOptions } from '@prd/azure';
import { definePlugin, hashOf, type Tracker } from '@prd/core';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MlflowOptions, resolveConnection } from './config.js';
import { MlflowTracker } from './tracker.js';

const { uri: _uri, token: _token, username: _username, password: _password, insecureTls: _insecure, registerAs: _registerAs, alias: _alias, ...kept } = MlflowOptions.properties;

/** The `with` options of the `azureml` tracker: the workspace, and the MLflow tracker's options except the address and credentials. */
export const AzureMlTrackerOptions = Type.Object(
  { ...kept, ...WorkspaceOptions, registerModel: Type.Optional(Type.String({ minLength: 1, description: 'Register the model of a FINISHED run as the next version of this workspace model (custom_model)' })) },
  { additionalProperties: false },
);

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
    const { subscriptionId, resourceGroup, workspace, registerModel: modelName, ...mlflow } = full;
    const ws = resolveWorkspace({ subscriptionId, resourceGroup, workspace }, { pointer: ctx.pointer, baseDir: ctx.baseDir });
    const auth = new AzureAuth();
    const arm = new ArmClient(ws, auth);
    // Inside an AzureML job of this workspace the job's own MLflow run and run token are used: the run shows on
    // the job's page in studio, and the cluster needs no credential of its own for tracking.
    const job = azureMlJobContext(ws);
    const mlflowAuth = job ? new AzureAuth(job.credential) : auth;
    const uri = mlflowBaseUrl(job?.trackingUri ?? (await mlflowTrackingUri(arm, ws)));
    const connection = { ...resolveConnection({ ...(mlflow as MlflowOptions), uri }, {}, ctx.pointer), tokenProvider: () => mlflowAuth.token(ARM_SCOPE) };
    const inner = new MlflowTracker({ connection, options: mlflow as MlflowOptions, events: ctx.events, attachRunId: job?.runId });
    let runId = '';
    const tracker: Tracker = {
      runStarted: async (run) => {
        runId = run.runId;
        await inner.runStarted(run);
      },
      epochEnded: (record) => inner.epochEnded(record),
      runEnded: async (end) => {
        await inner.runEnded(end);
        if (!modelName || end.status !== 'FINISHED') return;
        try {
          const version = await registerModel(arm, auth, modelName, { modelDir: join(end.runDir, 'model'), key: hashOf([ws.workspace, runId], 32) }, { 'prd.run_id': runId });
          ctx.events.log(`AzureML: registered model ${modelName}:${version} (prd predict --model azureml:${modelName}:${version})`);
        } catch (error) {
          ctx.events.log(`AzureML: could not register model ${modelName}: ${(error as Error).message}`, 'warn');
        }
      },
      sync: (runDir) => inner.sync(runDir),
      // azureml:<name>:<version> and azureml:<name>@latest come from the workspace registry; MLflow URIs as usual.
      downloadModel: async (model, destDir) => (await downloadModel(arm, auth, model, destDir)) || inner.downloadModel(model, destDir),
    };
    return tracker;
  },
});
