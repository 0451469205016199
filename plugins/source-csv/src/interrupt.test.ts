import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataEngine, literal, type DataContext } from '@prd/core';
import { pluginContext, tempDir } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import { openCsv, type CsvSourceOptions } from './index.js';

const options: CsvSourceOptions = { paths: ['**/*.csv'], event: 'directory', textColumns: [], timeColumns: ['time'], cache: true };

describe('Ctrl-C during CSV conversion (issue 16, reproduction 8)', () => {
  it('interrupts DuckDB at once and leaves no converted or partial file behind', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'ev'));
    // 1.5M rows x 8 columns (about 75 MB of CSV), written by DuckDB in a few seconds: a conversion that takes a while.
    const writer = await DataEngine.open();
    const columns = Array.from({ length: 7 }, (_, k) => `(hash(i, ${k}) % 100000) / 7.0 AS c${k}`).join(', ');
    await writer.run(`COPY (SELECT TIMESTAMP '2020-01-01' + to_seconds(i) AS time, ${columns} FROM range(1500000) r(i)) TO ${literal(join(dir, 'ev', 'big.csv'))} (FORMAT csv, HEADER true)`);
    writer.close();

    const controller = new AbortController();
    const engine = await DataEngine.open({ signal: controller.signal, threads: 2 });
    const ctx: DataContext = { ...pluginContext({ baseDir: dir, tempDir: tempDir(), pointer: '/data/source' }), engine, spec: { profile: ['c'], target: { column: 'c0' } } };
    let abortedAt = 0;
    ctx.events.on((event) => {
      // Stop as a user would, once the conversion has started.
      if (event.type === 'log' && /^converting/.test(event.message)) {
        setTimeout(() => {
          abortedAt = performance.now();
          controller.abort(new Error('stopped by Ctrl-C'));
        }, 300);
      }
    });
    const started = performance.now();
    const error = await openCsv(options, ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    const afterAbort = performance.now() - abortedAt;
    engine.close();
    expect(abortedAt, 'the conversion finished before the abort; make the file bigger').toBeGreaterThan(0);
    expect(error).toBeInstanceOf(Error);
    expect(afterAbort, `${Math.round(afterAbort)} ms from abort to failure (${Math.round(performance.now() - started)} ms in all)`).toBeLessThan(1000);
    expect(readdirSync(join(ctx.tempDir, 'csv'))).toEqual([]);
  });
});
