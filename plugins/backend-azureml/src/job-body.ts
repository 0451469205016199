import { workspaceId, type Workspace } from '@prd/azure';
import type { AzureMlOptions } from './options.js';

/** The command the node runs: the job's output folder becomes the run directory, then prd's worker runs the job. */
export const NODE_COMMAND = 'ln -s "${{outputs.run}}" runs && prd worker job.json';

/** The node's command: local data (the `data` input) linked where the recipe reads it, then {@link NODE_COMMAND}. */
export function nodeCommand(withData: boolean): string {
  return withData ? `ln -s "\${{inputs.data}}" data && ${NODE_COMMAND}` : NODE_COMMAND;
}

/** What a command job is made of besides the options. */
export interface JobParts {
  recipeName: string;
  codeId: string;
  environmentId: string;
  /** Data inputs (name -> uri_folder/uri_file URI). */
  inputs?: Record<string, { type: 'uri_folder' | 'uri_file'; uri: string }>;
}

/** ARM id of a workspace asset version. */
export function assetId(ws: Workspace, kind: 'codes' | 'environments' | 'data' | 'models', name: string, version: string): string {
  return `${workspaceId(ws)}/${kind}/${name}/versions/${version}`;
}

/** An environment reference from the options: an ARM id or registry URI as it is, `name:version` as a workspace id. */
export function environmentRef(ws: Workspace, environment: string): string {
  if (environment.startsWith('/') || environment.startsWith('azureml://')) return environment;
  const [name, version] = environment.replace(/^azureml:/, '').split(':');
  return assetId(ws, 'environments', name, version ?? '1');
}

/** The command job body (`PUT jobs/{name}`), as the REST API (api-version 2025-12-01) takes it. */
export function commandJobBody(ws: Workspace, options: AzureMlOptions, parts: JobParts): { properties: Record<string, unknown> } {
  const resources: Record<string, unknown> = { instanceCount: options.instanceCount, properties: {} };
  if (options.instanceType) resources.instanceType = options.instanceType;
  const inputs: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(parts.inputs ?? {})) inputs[name] = { jobInputType: input.type, uri: input.uri, mode: 'ReadOnlyMount' };
  const properties: Record<string, unknown> = {
    jobType: 'Command',
    displayName: parts.recipeName,
    experimentName: options.experiment ?? parts.recipeName,
    description: `prd run of recipe "${parts.recipeName}"`,
    computeId: `${workspaceId(ws)}/computes/${options.cluster}`,
    codeId: parts.codeId,
    environmentId: parts.environmentId,
    // Local data arrives as the `data` input; the recipe on the node reads it at data/.
    command: nodeCommand(parts.inputs?.data !== undefined),
    inputs,
    outputs: { run: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount' } },
    environmentVariables: {},
    resources,
    tags: { 'prd.recipe': parts.recipeName },
    properties: {},
    isArchived: false,
  };
  if (options.timeout) properties.limits = { jobLimitsType: 'Command', timeout: options.timeout };
  return { properties };
}
