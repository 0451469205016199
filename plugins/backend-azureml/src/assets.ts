import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasBlobs, uploadFiles, type ArmClient, type Datastore } from '@prd/azure';
import type { RunEvents } from '@prd/core';
import type { EnvironmentContext } from './environment.js';
import { writeSnapshot, type Snapshot } from './snapshot.js';

/** Code asset name and version of a snapshot: content-addressed, so the same snapshot is one asset. */
export function codeName(snap: Snapshot): { name: string; version: string } {
  return { name: `prd-code-${snap.hash.slice(0, 24)}`, version: '1' };
}

/** Environment name and version of a build context's digest. */
export function environmentName(hash: string): { name: string; version: string } {
  return { name: 'prd-node20', version: hash.slice(0, 24) };
}

/** Upload the files under a content-addressed prefix unless they are there; returns the bytes sent. */
async function ensureUploaded(store: Datastore, prefix: string, files: Record<string, string>): Promise<number> {
  if (await hasBlobs(store.container, prefix)) return 0;
  const dir = mkdtempSync(join(tmpdir(), 'prd-azureml-'));
  try {
    return await uploadFiles(store.container, prefix, writeSnapshot({ files, hash: '' }, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Create the code asset of a snapshot unless the workspace has it (then nothing is uploaded). */
export async function ensureCode(arm: ArmClient, store: Datastore, snap: Snapshot, events: RunEvents): Promise<{ uploaded: number }> {
  const { name, version } = codeName(snap);
  const path = `codes/${name}/versions/${version}`;
  if (await arm.find(path, `read code asset ${name}`)) return { uploaded: 0 };
  const prefix = `LocalUpload/${snap.hash.slice(0, 32)}/code`;
  const uploaded = await ensureUploaded(store, prefix, snap.files);
  events.log(uploaded > 0 ? `AzureML: uploaded the run's code asset ${name} (${uploaded} bytes)` : `AzureML: created the code asset ${name} from files already in the datastore`);
  await putOnce(arm, path, { properties: { codeUri: `${store.container.url.split('?')[0]}/${prefix}`, isAnonymous: true, description: 'prd job snapshot: resolved recipe and job file', tags: {}, properties: {} } }, `create code asset ${name}`);
  return { uploaded };
}

/** Create prd's environment from its build context unless the workspace has it (AzureML builds the image on first use). */
export async function ensureEnvironment(arm: ArmClient, store: Datastore, context: EnvironmentContext, events: RunEvents): Promise<{ uploaded: number }> {
  const { name, version } = environmentName(context.hash);
  const path = `environments/${name}/versions/${version}`;
  if (await arm.find(path, `read environment ${name}:${version}`)) return { uploaded: 0 };
  const prefix = `LocalUpload/${context.hash.slice(0, 32)}/environment`;
  const uploaded = (await hasBlobs(store.container, prefix)) ? 0 : await uploadFiles(store.container, prefix, context.files);
  const packages = context.packages.map((p) => `${p.name}@${p.version}`).join(', ');
  events.log(`AzureML: created environment ${name}:${version} (Node 20 with ${packages}; ${uploaded} bytes uploaded); the first job builds its image`);
  const description = `Node 20 with prd, made by prd: ${packages}`;
  await putOnce(arm, path, { properties: { build: { contextUri: `${store.container.url.split('?')[0]}/${prefix}`, dockerfilePath: 'Dockerfile' }, osType: 'Linux', description, tags: {}, properties: {} } }, `create environment ${name}:${version}`);
  return { uploaded };
}

/** PUT an asset version; a 409 means another run created it first, which is as good. */
async function putOnce(arm: ArmClient, path: string, body: unknown, what: string): Promise<void> {
  try {
    await arm.call('PUT', path, { json: body, what });
  } catch (error) {
    if ((error as { status?: number }).status === 409) return;
    throw error;
  }
}

/** Write a file (for tests and dry runs that want the snapshot on disk). */
export function writeText(path: string, text: string): void {
  writeFileSync(path, text);
}
