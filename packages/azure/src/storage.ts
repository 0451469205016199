import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AnonymousCredential, ContainerClient, StorageSharedKeyCredential, type BlobDownloadResponseParsed } from '@azure/storage-blob';
import { PrdError, secrets } from '@prd/core';
import { STORAGE_SCOPE, type AzureAuth } from './auth.js';
import type { ArmClient } from './arm.js';

/** A datastore as ARM describes it (the fields prd reads). */
interface DatastoreBody {
  properties: {
    datastoreType: string;
    accountName?: string;
    containerName?: string;
    endpoint?: string;
    protocol?: string;
    credentials?: { credentialsType?: string };
  };
}

/** A datastore's blob container, opened with the datastore's own credentials (or Azure AD when it has none). */
export interface Datastore {
  name: string;
  container: ContainerClient;
  /** `azureml://datastores/<name>/paths/<path>`. */
  uri(path: string): string;
}

/**
 * The blob endpoint of a storage account. `AZURE_STORAGE_BLOB_ENDPOINT` replaces it for an emulator such as Azurite
 * (`http://127.0.0.1:10000/devstoreaccount1`); everything else about the requests stays the same.
 */
export function blobEndpoint(account: string, suffix = 'core.windows.net', protocol = 'https', env: NodeJS.ProcessEnv = process.env): string {
  const override = env.AZURE_STORAGE_BLOB_ENDPOINT;
  if (override) return override.replace(/\/+$/, '');
  return `${protocol}://${account}.blob.${suffix}`;
}

/** Open a datastore's container: GET the datastore, then `listSecrets` for its key or SAS (Azure AD if it has none). */
export async function openDatastore(arm: ArmClient, auth: AzureAuth, name: string): Promise<Datastore> {
  const ds = await arm.call<DatastoreBody>('GET', `datastores/${encodeURIComponent(name)}`, { what: `read datastore "${name}"` });
  const p = ds.properties;
  if (p.datastoreType !== 'AzureBlob' || !p.accountName || !p.containerName) {
    throw new PrdError(`datastore "${name}" is of type ${p.datastoreType}; prd reads and writes Azure Blob datastores only`);
  }
  const url = `${blobEndpoint(p.accountName, p.endpoint, p.protocol)}/${p.containerName}`;
  const type = p.credentials?.credentialsType ?? 'None';
  if (type === 'None') {
    // Identity-based datastore: the caller's own Azure AD token (needs Storage Blob Data Contributor).
    return { name, container: new ContainerClient(url, { getToken: async () => ({ token: await auth.token(STORAGE_SCOPE), expiresOnTimestamp: Date.now() + 60_000 }) }), uri: (path) => datastoreUri(name, path) };
  }
  const secret = await arm.call<{ secretsType: string; key?: string; sasToken?: string }>('POST', `datastores/${encodeURIComponent(name)}/listSecrets`, {
    what: `read the credentials of datastore "${name}"`,
  });
  if (secret.secretsType === 'AccountKey' && secret.key) {
    secrets.add(secret.key);
    return { name, container: new ContainerClient(url, new StorageSharedKeyCredential(p.accountName, secret.key)), uri: (path) => datastoreUri(name, path) };
  }
  if (secret.secretsType === 'Sas' && secret.sasToken) {
    secrets.add(secret.sasToken);
    return { name, container: new ContainerClient(`${url}?${secret.sasToken.replace(/^\?/, '')}`, new AnonymousCredential()), uri: (path) => datastoreUri(name, path) };
  }
  throw new PrdError(`datastore "${name}" has ${secret.secretsType} credentials, which prd cannot use; give the datastore an account key or SAS, or make it identity-based`);
}

/** `azureml://datastores/<name>/paths/<path>`. */
export function datastoreUri(name: string, path: string): string {
  return `azureml://datastores/${name}/paths/${path.replace(/^\/+/, '')}`;
}

/** Parse `azureml://datastores/<name>/paths/<path>`; undefined for other URIs. */
export function parseDatastoreUri(uri: string): { datastore: string; path: string } | undefined {
  const match = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/.exec(uri);
  return match ? { datastore: match[1], path: match[2] } : undefined;
}

/** Upload files (relative name -> local path) under `prefix`; returns how many bytes went up. */
export async function uploadFiles(container: ContainerClient, prefix: string, files: Array<{ name: string; path: string }>): Promise<number> {
  let bytes = 0;
  for (const file of files) {
    const blob = container.getBlockBlobClient(`${prefix.replace(/\/+$/, '')}/${file.name}`);
    await blob.uploadFile(file.path);
    bytes += statSync(file.path).size;
  }
  return bytes;
}

/** Whether any blob exists under `prefix`. */
export async function hasBlobs(container: ContainerClient, prefix: string): Promise<boolean> {
  const page = await container.listBlobsFlat({ prefix: prefix.replace(/\/+$/, '') + '/' }).byPage({ maxPageSize: 1 }).next();
  return !page.done && (page.value.segment.blobItems.length ?? 0) > 0;
}

/** Download every blob under `prefix` into `destDir`, keeping relative paths; returns the relative names. */
export async function downloadPrefix(container: ContainerClient, prefix: string, destDir: string): Promise<string[]> {
  const root = prefix.replace(/\/+$/, '') + '/';
  const names: string[] = [];
  for await (const item of container.listBlobsFlat({ prefix: root })) {
    const rel = item.name.slice(root.length);
    if (!rel || rel.split('/').some((s) => s === '..')) continue;
    const dest = join(destDir, rel);
    mkdirSync(dirname(dest), { recursive: true });
    await container.getBlobClient(item.name).downloadToFile(dest);
    names.push(rel);
  }
  return names;
}

/** The bytes of a blob from `offset` on; empty when there is nothing new (or no blob yet). */
export async function readFrom(container: ContainerClient, name: string, offset: number): Promise<Buffer> {
  let response: BlobDownloadResponseParsed;
  try {
    response = await container.getBlobClient(name).download(offset);
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404 || status === 416) return Buffer.alloc(0);
    throw error;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of response.readableStreamBody ?? []) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
