import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PrdError } from '@prd/core';
import { ArmError, type ArmClient } from './arm.js';
import type { AzureAuth } from './auth.js';
import { downloadPrefix, openDatastore, parseDatastoreUri, uploadFiles } from './storage.js';

/** A workspace model reference: `azureml:<name>:<version>` or `azureml:<name>@latest`. */
export function parseAzureMlModel(uri: string): { name: string; version?: string } | undefined {
  const match = /^azureml:(?!\/\/)([A-Za-z0-9][\w.-]*)(?::(\d+)|@latest)$/.exec(uri);
  return match ? { name: match[1], version: match[2] } : undefined;
}

interface ModelVersionBody {
  name?: string;
  properties: { modelUri?: string; modelType?: string };
}

/** Every file under a folder, as upload entries. */
function filesOf(dir: string): Array<{ name: string; path: string }> {
  const out: Array<{ name: string; path: string }> = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ name: relative(dir, p).split('\\').join('/'), path: p });
    }
  };
  walk(dir);
  return out;
}

/** The highest version number of a model, 0 when it has none. */
async function latestVersion(arm: ArmClient, name: string): Promise<number> {
  const versions = await arm.list<{ name: string }>(`models/${encodeURIComponent(name)}/versions`, `list the versions of model ${name}`);
  return versions.map((v) => Number(v.name)).filter(Number.isFinite).reduce((a, b) => Math.max(a, b), 0);
}

/**
 * Register a model as the next version of a workspace model (`custom_model`: tfjs files, preprocessing.json and the
 * MLmodel file). Either `modelUri` names files already in the workspace (a job's output) or `modelDir` is uploaded
 * to the default datastore first. Returns the version.
 */
export async function registerModel(
  arm: ArmClient,
  auth: AzureAuth,
  name: string,
  source: { modelUri: string; jobName?: string } | { modelDir: string; key: string },
  tags: Record<string, string>,
): Promise<string> {
  let modelUri: string;
  let jobName: string | undefined;
  if ('modelDir' in source) {
    const store = await openDatastore(arm, auth, 'workspaceblobstore');
    const prefix = `LocalUpload/${source.key}/model`;
    await uploadFiles(store.container, prefix, filesOf(source.modelDir));
    modelUri = store.uri(`${prefix}/`);
  } else {
    ({ modelUri, jobName } = source);
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const version = String((await latestVersion(arm, name)) + 1);
    const properties: Record<string, unknown> = { modelType: 'custom_model', modelUri, description: 'prd model (TensorFlow.js layers model, preprocessing.json, MLmodel)', tags, properties: {}, isAnonymous: false };
    if (jobName) properties.jobName = jobName;
    try {
      await arm.call('PUT', `models/${encodeURIComponent(name)}/versions/${version}`, { json: { properties }, what: `register model ${name} version ${version}` });
      return version;
    } catch (error) {
      // Someone registered that version first: take the next.
      if (!(error instanceof ArmError && error.status === 409)) throw error;
    }
  }
  throw new PrdError(`could not register model ${name}: versions kept being taken; try again`);
}

/** Download a workspace model version (`azureml:<name>:<version>` or `@latest`) into `destDir`. */
export async function downloadModel(arm: ArmClient, auth: AzureAuth, uri: string, destDir: string): Promise<boolean> {
  const ref = parseAzureMlModel(uri);
  if (!ref) return false;
  const version = ref.version ?? String(await latestVersion(arm, ref.name));
  if (version === '0') throw new PrdError(`workspace "${arm.workspace.workspace}" has no model "${ref.name}"; list them in Azure ML studio (Models) or with az ml model list`);
  const body = await arm.find<ModelVersionBody>(`models/${encodeURIComponent(ref.name)}/versions/${version}`, `read model ${ref.name}:${version}`);
  if (!body) throw new PrdError(`workspace "${arm.workspace.workspace}" has no version ${version} of model "${ref.name}"; use azureml:${ref.name}@latest or a version from Azure ML studio`);
  const where = parseDatastoreUri(body.properties.modelUri ?? '');
  if (!where) throw new PrdError(`model ${ref.name}:${version} is stored at ${body.properties.modelUri}, which prd cannot download (only azureml://datastores/... paths)`);
  const store = await openDatastore(arm, auth, where.datastore);
  const files = await downloadPrefix(store.container, where.path, destDir);
  if (files.length === 0) throw new PrdError(`model ${ref.name}:${version} has no files at ${body.properties.modelUri}`);
  return true;
}
