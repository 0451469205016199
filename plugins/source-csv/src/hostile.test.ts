import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataContext, DataEngine } from '@prd/core';
import { pluginContext, tempDir, withEngine } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import { openCsv, type CsvSourceOptions } from './index.js';

const defaults: CsvSourceOptions = { paths: ['**/*.csv'], event: 'directory', textColumns: ['forecast_period'], timeColumns: ['time', 'forecast_reference_time'], cache: false };

function context(engine: DataEngine, baseDir: string): DataContext {
  return { ...pluginContext({ baseDir, tempDir: tempDir(), pointer: '/data/source' }), engine, spec: { profile: ['x'], target: { bands: 'standard-5' } } };
}

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** CSV-quote a header field. */
const quoted = (field: string) => `"${field.replaceAll('"', '""')}"`;

describe('csv source with hostile names (issue 16, reproduction 1)', () => {
  it('a header column that is SQL is read as a column, never run, with cache on and off', async () => {
    for (const cache of [false, true]) {
      await withEngine(async (engine) => {
        const dir = tempDir();
        const pwned = join(dir, 'pwned.csv');
        const hostile = `x") FROM (SELECT 1 AS x, 2 AS "time", 3 AS forecast_reference_time); COPY (SELECT 42 AS pwned) TO '${pwned}'; SELECT max("time`;
        write(dir, 'ev/data.csv', `time,${quoted(hostile)},y\n2020-01-01 00:00:00,2020-01-02 06:00:00,1.5\n`);
        const data = await openCsv({ ...defaults, cache, timeColumns: ['time', hostile] }, context(engine, dir));
        const rows = await engine.rows(`SELECT strftime(${`"${hostile.replaceAll('"', '""')}"`}, '%Y-%m-%d %H') AS h, y FROM (${data.relation.sql})`);
        expect(rows).toEqual([{ h: '2020-01-02 06', y: 1.5 }]);
        expect(existsSync(pwned)).toBe(false);
      });
    }
  });

  it('reads files whose directory and file names hold quotes, semicolons and glob-free SQL', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      const event = `it's "x"; DROP TABLE t; --`;
      write(dir, `${event}/a'b.csv`, 'time,x\n2020-01-01 00:00:00,1\n');
      const data = await openCsv({ ...defaults, cache: true }, context(engine, dir));
      expect(await engine.rows(`SELECT x, event FROM (${data.relation.sql})`)).toEqual([{ x: 1, event }]);
    });
  });
});
