import { relative } from 'node:path';
import { ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { DataContext, DataEngine } from '@prd/core';
import { writeSyntheticFiles } from '@prd/precip';
import { azurite, pluginContext, startControlPlane, tempDir, withEngine } from '@prd/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { openCsv, type CsvSourceOptions } from './index.js';

const defaults: CsvSourceOptions = { paths: ['**/prd_merged_*.csv'], event: 'directory', textColumns: ['forecast_period'], timeColumns: ['time', 'forecast_reference_time'], cache: true };
/** The quickstart's events, times and members on fewer cells (the test stays quick on a loaded 2-core machine). */
const synth = { seed: 42, events: 2, times: 4, cells: 60, members: 18 } as const;

function context(engine: DataEngine, baseDir: string, temp: string): DataContext & { received: Array<{ type: string; message?: string }> } {
  return { ...pluginContext({ baseDir, tempDir: temp, pointer: '/data/source' }), engine, spec: { profile: ['relative_humidity'], target: { bands: 'standard-5' } } };
}

/** Every row and column of a source, as one sorted list (the data the rest of the run sees). */
async function contentOf(engine: DataEngine, sql: string): Promise<string[]> {
  const rows = await engine.rows(`SELECT * FROM (${sql}) ORDER BY ALL`);
  return rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
}

describe('the csv source reads seed CSVs from Azure Storage (Azurite) like local files', () => {
  const saved = { ...process.env };
  afterEach(() => void (process.env = { ...saved }));

  it('https blob URL with a SAS, and an azureml://datastores path: the same rows as local, downloaded once by ETag', async () => {
    await withEngine(async (engine) => {
      const local = tempDir('prd-az-local-');
      const written = await writeSyntheticFiles(engine, synth, local);
      const store = azurite();
      const container = store.service.getContainerClient(`seed-${Date.now()}`);
      await container.create();
      for (const file of written) await container.getBlockBlobClient(`prd/${relative(local, file.path).split('\\').join('/')}`).uploadFile(file.path);
      const expected = await contentOf(engine, (await openCsv(defaults, context(engine, local, tempDir()))).relation.sql);

      const sas = generateBlobSASQueryParameters(
        { containerName: container.containerName, permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 3_600_000) },
        new StorageSharedKeyCredential(store.account, store.key),
      ).toString();
      process.env.AZURE_STORAGE_BLOB_ENDPOINT = store.blobUrl;
      const url = `https://${store.account}.blob.core.windows.net/${container.containerName}/prd/*/prd_merged_*.csv?${sas}`;
      const cache = tempDir('prd-az-cache-');
      const first = context(engine, tempDir(), cache);
      const fromBlob = await openCsv({ ...defaults, paths: [url] }, first);
      expect(await contentOf(engine, fromBlob.relation.sql)).toEqual(expected);
      expect(first.received.some((e) => /2 file\(s\) downloaded, 0 unchanged/.test(e.message ?? ''))).toBe(true);
      expect(JSON.stringify(first.received)).not.toContain(sas);

      // Again: nothing is downloaded; a changed blob (new ETag) is fetched again.
      const second = context(engine, tempDir(), cache);
      await openCsv({ ...defaults, paths: [url] }, second);
      expect(second.received.some((e) => /0 file\(s\) downloaded, 2 unchanged/.test(e.message ?? ''))).toBe(true);
      await container.getBlockBlobClient(`prd/${relative(local, written[0].path).split('\\').join('/')}`).uploadFile(written[0].path);
      const third = context(engine, tempDir(), cache);
      await openCsv({ ...defaults, paths: [url] }, third);
      expect(third.received.some((e) => /1 file\(s\) downloaded, 1 unchanged/.test(e.message ?? ''))).toBe(true);

      // The same files through the workspace's default datastore (credentials from listSecrets).
      const plane = await startControlPlane();
      try {
        const blobstore = store.service.getContainerClient('azureml-blobstore-test');
        for (const file of written) await blobstore.getBlockBlobClient(`seed/${relative(local, file.path).split('\\').join('/')}`).uploadFile(file.path);
        Object.assign(process.env, plane.env());
        const viaDatastore = await openCsv({ ...defaults, paths: ['azureml://datastores/workspaceblobstore/paths/seed/**/prd_merged_*.csv'] }, context(engine, tempDir(), tempDir()));
        expect(await contentOf(engine, viaDatastore.relation.sql)).toEqual(expected);
      } finally {
        await plane.close();
      }
    });
  }, 400_000);
});
