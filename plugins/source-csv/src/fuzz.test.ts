import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPrdError, type DataContext, type DataEngine } from '@prd/core';
import { pluginContext, tempDir, withEngine } from '@prd/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openCsv, type CsvSourceOptions } from './index.js';

/**
 * Property-based fuzzing of the csv source over hostile rows: random bytes, quotes, huge numbers, wrong widths.
 * Every file gives the right rows or a PrdError, never another exception or a hang. Bounded: a fixed number of runs
 * and a time limit; reproduce a failure with FUZZ_SEED=<seed printed by fast-check>.
 */
const SETTINGS = { seed: Number(process.env.FUZZ_SEED ?? 20261202), numRuns: 40, interruptAfterTimeLimit: 6000 };
const OPTIONS: CsvSourceOptions = { paths: ['**/*.csv'], event: 'directory', textColumns: ['label'], timeColumns: ['time'], cache: true };

/** A good row: a time, two finite numbers and a text that may need quoting. */
const goodRow = fc.record({
  time: fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19).replace('T', ' ')),
  x: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }),
  y: fc.integer({ min: -1e9, max: 1e9 }),
  label: fc.string({ maxLength: 12 }),
});

const quote = (text: string) => (/[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text);
const line = (r: { time: string; x: number; y: number; label: string }) => [r.time, String(r.x), String(r.y), quote(r.label)].join(',');

/** A bad line: random bytes, an unclosed quote, a huge number, a wrong width, a bad time. */
const badLine = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }).filter((t) => !/[\r\n]/.test(t)),
  fc.constantFrom('2020-01-01 00:00:00,"1,2,x', '2020-01-01 00:00:00,1e400,1,a', '2020-01-01 00:00:00,1,2', '2020-01-01 00:00:00,1,2,a,b', 'yesterday,1,2,a', '2020-01-01 00:00:00,,,', '2020-13-45 25:61:00,1,2,a', '"2020-01-01 00:00:00",0x1F,2,a'),
);

async function read(engine: DataEngine, dir: string): Promise<Array<Record<string, unknown>>> {
  const ctx: DataContext = { ...pluginContext({ baseDir: dir, tempDir: tempDir(), pointer: '/data/source' }), engine, spec: { profile: ['x'], target: { column: 'y' } } };
  const data = await openCsv(OPTIONS, ctx);
  return engine.rows(`SELECT strftime(time, '%Y-%m-%d %H:%M:%S') AS time, x, y, label FROM (${data.relation.sql})`);
}

describe('fuzz: csv source over hostile rows (issue 16)', () => {
  it('reads good rows exactly and fails on bad ones with a PrdError', async () => {
    await withEngine(async (engine) => {
      await fc.assert(
        fc.asyncProperty(fc.array(goodRow, { minLength: 1, maxLength: 8 }), fc.option(fc.tuple(badLine, fc.nat()), { freq: 2 }), async (rows, bad) => {
          const dir = tempDir();
          mkdirSync(join(dir, 'ev'));
          const lines = rows.map(line);
          if (bad) lines.splice(bad[1] % (lines.length + 1), 0, bad[0]);
          writeFileSync(join(dir, 'ev', 'data.csv'), `time,x,y,label\n${lines.join('\n')}\n`);
          try {
            const got = await read(engine, dir);
            // Without a bad line the rows are what was written (an empty field is missing, as in pandas); a "bad" line that happens to be valid is allowed.
            if (!bad) expect(got).toEqual(rows.map((r) => ({ time: r.time, x: r.x + 0, y: r.y, label: r.label === '' ? null : r.label })));
            else expect(got.length).toBeGreaterThanOrEqual(rows.length);
          } catch (error) {
            if (!isPrdError(error)) throw error;
            expect(bad, `a PrdError for good rows: ${(error as Error).message}`).not.toBeNull();
          }
        }),
        SETTINGS,
      );
    });
  });
});
