import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AnonymousCredential, ContainerClient } from '@azure/storage-blob';
import { PrdError, secrets, type RunEvents } from '@prd/core';
import { ArmClient } from './arm.js';
import { AzureAuth, STORAGE_SCOPE } from './auth.js';
import { blobEndpoint, openDatastore, parseDatastoreUri } from './storage.js';
import { resolveWorkspace } from './workspace.js';

/** Whether a data path is in Azure: `azureml://datastores/...`, `azureml:<asset>:<version>` or an https blob URL. */
export function isAzurePath(path: string): boolean {
  return /^azureml:/.test(path) || /^https:\/\/[^/]+\.blob\.core\.windows\.net\//.test(path);
}

const GLOB = /[*?[{]/;

/** A glob over blob names as a regular expression (`**` any depth, `*` and `?` within one segment). */
export function globRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

interface Located {
  container: ContainerClient;
  /** Blob-name glob or folder/file path inside the container. */
  path: string;
  /** Cache folder for this container. */
  key: string;
}

/** Where an Azure data path lives, opened with the right credentials. */
async function locate(path: string, ctx: { baseDir: string; auth: AzureAuth; arm?: () => ArmClient }): Promise<Located> {
  const ds = parseDatastoreUri(path);
  if (ds) {
    const store = await openDatastore(ctx.arm!(), ctx.auth, ds.datastore);
    return { container: store.container, path: ds.path, key: `datastore/${ds.datastore}` };
  }
  const asset = /^azureml:(?!\/\/)([^:]+):([^:]+)$/.exec(path);
  if (asset) {
    const arm = ctx.arm!();
    const body = await arm.find<{ properties: { dataUri: string } }>(`data/${encodeURIComponent(asset[1])}/versions/${encodeURIComponent(asset[2])}`, `read data asset ${asset[1]}:${asset[2]}`);
    if (!body) throw new PrdError(`workspace "${arm.workspace.workspace}" has no data asset ${asset[1]} version ${asset[2]}; see Azure ML studio, Data`);
    return locate(body.properties.dataUri, ctx);
  }
  const url = new URL(path);
  const [, container, ...rest] = url.pathname.split('/');
  // AZURE_STORAGE_BLOB_ENDPOINT (an emulator such as Azurite) stands in for the account's endpoint.
  const base = `${blobEndpoint(url.host.split('.')[0])}/${container}`;
  // A SAS in the URL is the credential; without one, the caller's Azure AD token (Storage Blob Data Reader).
  const client = url.search
    ? (secrets.add(url.search.slice(1)), new ContainerClient(`${base}${url.search}`, new AnonymousCredential()))
    : new ContainerClient(base, { getToken: async () => ({ token: await ctx.auth.token(STORAGE_SCOPE), expiresOnTimestamp: Date.now() + 60_000 }) });
  return { container: client, path: decodeURIComponent(rest.join('/')), key: `blob/${url.host}/${container}` };
}

/**
 * Download the blobs an Azure data path names into `cacheDir` (once: a blob is fetched again only when its ETag
 * changed) and return the local path to read instead: the same glob, file or folder under the cache.
 */
export async function localizeAzurePath(path: string, cacheDir: string, options: { baseDir: string; events?: RunEvents; auth?: AzureAuth }): Promise<string> {
  const auth = options.auth ?? new AzureAuth();
  let arm: ArmClient | undefined;
  const where = await locate(path, { baseDir: options.baseDir, auth, arm: () => (arm ??= new ArmClient(resolveWorkspace({}, { baseDir: options.baseDir }), auth)) });
  const root = join(cacheDir, where.key);
  const glob = where.path.replace(/^\/+/, '');
  const firstGlob = glob.split('/').findIndex((s) => GLOB.test(s));
  const prefix = firstGlob < 0 ? glob : glob.split('/').slice(0, firstGlob).join('/');
  const match = firstGlob < 0 ? undefined : globRegex(glob);
  let fetched = 0;
  let kept = 0;
  for await (const item of where.container.listBlobsFlat({ prefix })) {
    if (match && !match.test(item.name)) continue;
    if (!match && item.name !== glob && !item.name.startsWith(`${glob.replace(/\/+$/, '')}/`)) continue;
    const dest = join(root, item.name);
    const etagFile = `${dest}.etag`;
    if (existsSync(dest) && existsSync(etagFile) && readFileSync(etagFile, 'utf8') === item.properties.etag) {
      kept++;
      continue;
    }
    mkdirSync(dirname(dest), { recursive: true });
    await where.container.getBlobClient(item.name).downloadToFile(dest);
    writeFileSync(etagFile, item.properties.etag ?? '');
    fetched++;
  }
  options.events?.log(`Azure: ${secrets.redact(path.split('?')[0])}: ${fetched} file(s) downloaded, ${kept} unchanged in the cache`);
  return join(root, glob);
}
