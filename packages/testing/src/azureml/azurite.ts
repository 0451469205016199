import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';

/** Azurite as .ci/services/azurite.sh exports it. */
export interface AzuriteInfo {
  blobUrl: string;
  account: string;
  key: string;
  service: BlobServiceClient;
}

/** The running Azurite (AZURITE_BLOB_URL / AZURITE_CONNECTION_STRING), or an error that says how to start it. */
export function azurite(env: NodeJS.ProcessEnv = process.env): AzuriteInfo {
  const connection = env.AZURITE_CONNECTION_STRING;
  const blobUrl = env.AZURITE_BLOB_URL;
  if (!connection || !blobUrl) throw new Error('Azurite is not running: `source .ci/services/azurite.sh` (it exports AZURITE_BLOB_URL and AZURITE_CONNECTION_STRING)');
  const account = /AccountName=([^;]+)/.exec(connection)?.[1] ?? 'devstoreaccount1';
  const key = /AccountKey=([^;]+)/.exec(connection)?.[1] ?? '';
  return { blobUrl, account, key, service: new BlobServiceClient(blobUrl, new StorageSharedKeyCredential(account, key)) };
}

/** Container and blob name of a blob URL under Azurite's endpoint (`<blobUrl>/<container>/<name>`). */
export function splitBlobUrl(info: AzuriteInfo, url: string): { container: string; name: string } {
  const clean = url.split('?')[0];
  if (!clean.startsWith(`${info.blobUrl}/`)) throw new Error(`${url} is not under Azurite's ${info.blobUrl}`);
  const [container, ...rest] = clean.slice(info.blobUrl.length + 1).split('/');
  return { container, name: decodeURIComponent(rest.join('/')) };
}
