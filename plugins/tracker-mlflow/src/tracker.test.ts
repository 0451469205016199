import { createServer, type Socket } from 'node:net';
import type { RunEvent } from '@prd/core';
import { tempDir } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import { ledgerPath, readLedger } from './ledger.js';
import { sampleRecipe, simulateRun } from './test/run-fixture.js';
import { makeTracker } from './test/tracker.js';

describe('the mlflow tracker without a working server', () => {
  it('finishes a run whose server refuses connections, keeping everything for prd sync', async () => {
    const received: RunEvent[] = [];
    const tracker = makeTracker('http://127.0.0.1:9', { experiment: 'nowhere' }, received);
    const { run, endMs } = await simulateRun([tracker], tempDir(), { name: 'quickstart', recipe: sampleRecipe('quickstart'), epochs: 4 });
    const ledger = readLedger(run.dir, ledgerPath('http://127.0.0.1:9', 'nowhere'));
    expect(ledger).toMatchObject({ status: 'FINISHED', statusSent: false, paramsSent: false });
    expect(ledger?.mlflow).toBeUndefined();
    // 4 epochs x 4 metrics, and the 10 final scores.
    expect(ledger?.metrics.pending.length).toBe(26);
    expect(ledger?.lastError).toMatch(/ECONNREFUSED/);
    const warnings = received.flatMap((e) => (e.type === 'log' && e.level === 'warn' ? [e.message] : []));
    expect(warnings.at(-1)).toContain(`prd sync ${run.runId}`);
    // Refused connections fail fast: the end of the run is a couple of quick retries, not the drain budget.
    expect(endMs).toBeLessThan(60_000);
    expect(tracker.lastStats?.requests).toBeLessThanOrEqual(3);
  });

  it('gives up on a server that accepts connections but never answers once the drain budget is spent', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const uri = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const tracker = makeTracker(uri, { experiment: 'silent', timeoutMs: 400, retries: 0, drainTimeoutMs: 1_500 });
      const { run, endMs } = await simulateRun([tracker], tempDir(), { name: 'quickstart', recipe: sampleRecipe('quickstart'), epochs: 3 });
      const ledger = readLedger(run.dir, ledgerPath(uri, 'silent'));
      expect(ledger?.status).toBe('FINISHED');
      expect(ledger?.metrics.pending.length).toBe(22);
      expect(ledger?.lastError).toMatch(/Timeout|gave up/);
      expect(endMs).toBeLessThan(10_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
