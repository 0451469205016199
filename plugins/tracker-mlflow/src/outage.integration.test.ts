import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@prd/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { isComplete, ledgerPath, readLedger } from './ledger.js';
import { makeTracker } from './test/tracker.js';
import { mlflowTestEnv, pythonRecord, type PythonRecord } from './test/env.js';
import { sampleRecipe, simulateRun } from './test/run-fixture.js';
import { startOwnServer, type OwnServer } from './test/server.js';

const env = mlflowTestEnv();

/** A record with what must differ between two servers (run ids, artifact locations) replaced by placeholders. */
function normalised(record: PythonRecord): unknown {
  const runId = record.info.run_id;
  const strip = (text: string) => text.split(record.info.artifact_uri).join('<artifacts>').split(runId).join('<run>');
  const sortPoints = (points: PythonRecord['metrics'][string]) => [...points].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  return {
    experiment: record.experiment,
    info: { run_name: record.info.run_name, status: record.info.status, start_time: record.info.start_time, end_time: record.info.end_time },
    params: record.params,
    tags: Object.fromEntries(Object.entries(record.tags).map(([k, v]) => [k, strip(v)])),
    metrics: Object.fromEntries(Object.entries(record.metrics).map(([k, v]) => [k, sortPoints(v)])),
    artifacts: record.artifacts,
    versions: record.versions.map((v) => ({ ...v, source: strip(v.source) })),
    alias: record.alias ? { ...record.alias, run_id: strip(record.alias.run_id) } : undefined,
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!env?.bin)('a tracking server that dies mid-run', () => {
  let own: OwnServer | undefined;
  afterAll(async () => own?.kill());

  it('never stops the run, and prd sync then makes its record identical to that of a server that stayed up', { timeout: 600_000 }, async () => {
    own = await startOwnServer(env!.bin!, tempDir('prd-mlflow-own-'));
    const stable = env!.uri;
    const experiment = `prd-outage-${Date.now()}-${randomBytes(3).toString('hex')}`;
    const model = `${experiment}-model`;
    const options = { experiment, registerAs: model, alias: 'champion' };
    const steady = makeTracker(stable, options);
    const dying = makeTracker(own.uri, options);
    const runsDir = tempDir('prd-mlflow-runs-');
    let ledgerFile = '';
    let runDir = '';
    const server = own;

    // One run, mirrored to two servers; the second is killed (SIGKILL) once the first epochs reached it.
    const { run, history } = await simulateRun([steady, dying], runsDir, {
      name: 'quickstart',
      recipe: sampleRecipe('quickstart', model),
      epochs: 6,
      epochMs: 150,
      between: async (epoch) => {
        if (epoch !== 2) return;
        ledgerFile = ledgerPath(server.uri, experiment);
        runDir = join(runsDir, readdirSync(runsDir)[0]);
        await until('epochs 1-2 on the dying server', () => (readLedger(runDir, ledgerFile)?.metrics.acked.loss ?? []).length === 2);
        await server.kill();
      },
    });
    expect(history).toHaveLength(6);
    const interrupted = readLedger(run.dir, ledgerFile);
    expect(interrupted?.metrics.acked.loss).toEqual([1, 2]);
    expect(interrupted && isComplete(interrupted)).toBe(false);
    expect(interrupted?.status).toBe('FINISHED');
    expect(interrupted?.statusSent).toBe(false);
    expect(interrupted?.artifacts.done).toBe(false);

    // The server comes back on the same store; prd sync (a new process: a new tracker) finishes the job.
    await server.restart();
    const before = await pythonRecord(env!, server.uri, interrupted?.mlflow?.runId ?? '');
    expect(before.info.status).toBe('RUNNING');
    expect(before.metrics.loss.map((p) => p.step)).toEqual([1, 2]);
    const synced = await makeTracker(server.uri, options).sync(run.dir);
    expect(synced.sent).toEqual(expect.arrayContaining(['status FINISHED', `registered model "${model}" version 1`]));
    const final = readLedger(run.dir, ledgerFile);
    expect(final && isComplete(final)).toBe(true);

    const reference = await pythonRecord(env!, stable, readLedger(run.dir, ledgerPath(stable, experiment))?.mlflow?.runId ?? '', model, 'champion');
    const recovered = await pythonRecord(env!, server.uri, final?.mlflow?.runId ?? '', model, 'champion');
    expect(recovered.metrics.loss).toHaveLength(6);
    expect(normalised(recovered)).toEqual(normalised(reference));

    // Syncing again sends nothing and changes nothing.
    const again = await makeTracker(server.uri, options).sync(run.dir);
    expect(again.sent).toEqual([]);
    expect(normalised(await pythonRecord(env!, server.uri, final?.mlflow?.runId ?? '', model, 'champion'))).toEqual(normalised(reference));
  });
});
