import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPrdError, type DataContext, type DataEngine, type PrdError } from '@prd/core';
import { seedMergedColumns, syntheticSql, writeSyntheticFiles } from '@prd/precip';
import { pluginContext, tempDir, withEngine } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import plugins, { openCsv, parseRecord, type CsvSourceOptions } from './index.js';

const defaults: CsvSourceOptions = { paths: ['**/prd_merged_*.csv'], event: 'directory', textColumns: ['forecast_period'], timeColumns: ['time', 'forecast_reference_time'], cache: true };
const synth = { seed: 11, events: 2, times: 2, cells: 6, members: 3 } as const;

function context(engine: DataEngine, baseDir: string): DataContext {
  return { ...pluginContext({ baseDir, tempDir: tempDir(), pointer: '/data/source' }), engine, spec: { profile: ['relative_humidity'], target: { bands: 'standard-5' } } };
}

async function failure(promise: Promise<unknown>): Promise<PrdError> {
  try {
    await promise;
  } catch (error) {
    if (isPrdError(error)) return error;
    throw error;
  }
  throw new Error('expected a PrdError');
}

/** Rows as sorted JSON lines, for comparing datasets whatever their column order. */
async function rowsOf(engine: DataEngine, sql: string, columns: string[]): Promise<string[]> {
  const rows = await engine.rows(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM (${sql}) ORDER BY ALL`);
  return rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
}

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('csv source', () => {
  it('is one source plugin named csv', () => {
    expect(plugins.map((p) => `${p.kind}:${p.name}`)).toEqual(['source:csv']);
  });

  it("reads the seed's merged files (one per event directory) into the synthetic source's table", async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      const written = await writeSyntheticFiles(engine, synth, dir);
      expect(written.map((w) => w.path.slice(dir.length + 1))).toEqual([
        '202001_synthetic_01/prd_merged_20200104T1800Z_20200105T0000Z.csv',
        '202001_synthetic_02/prd_merged_20200127T1800Z_20200128T0000Z.csv',
      ]);
      const data = await openCsv(defaults, context(engine, dir));
      const columns = await engine.columns(data.relation);
      expect(columns.map((c) => c.name)).toEqual([...seedMergedColumns(), 'event']);
      expect(Object.fromEntries(columns.filter((c) => ['time', 'realization', 'forecast_period', 'air_temperature_5.0'].includes(c.name)).map((c) => [c.name, c.type]))).toEqual({
        realization: 'BIGINT',
        time: 'TIMESTAMP',
        forecast_period: 'VARCHAR',
        'air_temperature_5.0': 'DOUBLE',
      });
      expect(data.files).toEqual(written.map((w) => w.path));
      expect(data.description).toBe('2 CSV files under . (' + data.description.split('(')[1]);
      const names = [...seedMergedColumns(), 'event'];
      expect(await rowsOf(engine, data.relation.sql, names)).toEqual(await rowsOf(engine, syntheticSql(synth), names));
    });
  });

  it('converts each CSV file to Parquet once, and after a new event file is added converts only that one', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      await writeSyntheticFiles(engine, synth, dir);
      const ctx = { ...pluginContext({ baseDir: dir, tempDir: tempDir(), pointer: '/data/source' }), engine, spec: { profile: ['relative_humidity'], target: { bands: 'standard-5' } } };
      const converted = () => readdirSync(join(ctx.tempDir, 'csv')).sort();
      const conversions = () => ctx.received.filter((e) => e.type === 'log' && /^converting/.test(e.message)).map((e) => (e as { message: string }).message);
      const names = [...seedMergedColumns(), 'event'];

      const first = await openCsv(defaults, ctx);
      expect(converted()).toHaveLength(2);
      expect(conversions()).toEqual([expect.stringMatching(/^converting 2 CSV files under \. .* to Parquet/)]);
      expect(await rowsOf(engine, first.relation.sql, names)).toEqual(await rowsOf(engine, syntheticSql(synth), names));

      // Unchanged files: nothing converted again, the same Parquet files read.
      const before = converted();
      await openCsv(defaults, ctx);
      expect(conversions()).toHaveLength(1);

      // A third event: only its file is converted, and the table has all three.
      const three = { ...synth, events: 3 };
      await writeSyntheticFiles(engine, three, tempDir()).then(async (all) => {
        const added = all[2].path;
        const target = join(dir, added.split('/').slice(-2).join('/'));
        mkdirSync(join(target, '..'), { recursive: true });
        writeFileSync(target, readFileSync(added));
      });
      const again = await openCsv(defaults, ctx);
      expect(conversions()).toEqual([expect.anything(), expect.stringMatching(/^converting 1 new file of 3 CSV files/)]);
      expect(converted()).toEqual(expect.arrayContaining(before));
      expect(converted()).toHaveLength(3);
      expect(await rowsOf(engine, again.relation.sql, names)).toEqual(await rowsOf(engine, syntheticSql(three), names));
      // In file order: the rows of the first two events come first, as they did.
      const events = await engine.rows<{ event: string }>(`SELECT DISTINCT ON (event) event, row_number() OVER () AS r FROM (${again.relation.sql}) ORDER BY r`);
      expect(events.map((e) => e.event)).toEqual(['202001_synthetic_01', '202001_synthetic_02', expect.stringMatching(/synthetic_03$/)]);
    });
  });

  it('numbers the rows of its conversions (file and row), the same in every read, and not when it reads CSV directly', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      await writeSyntheticFiles(engine, synth, dir);
      const ctx = context(engine, dir);
      const names = [...seedMergedColumns(), 'event'];
      const data = await openCsv(defaults, ctx);
      const numbered = data.numbered!;
      expect(await rowsOf(engine, numbered.sql, names)).toEqual(await rowsOf(engine, data.relation.sql, names));
      const [{ n, distinct }] = await engine.rows<{ n: bigint; distinct: bigint }>(`SELECT count(*) AS n, count(DISTINCT __pos) AS distinct FROM (${numbered.sql})`);
      expect(Number(distinct)).toBe(Number(n));
      // A row keeps its number in a later read of the same files.
      const byPosition = (sql: string) => rowsOf(engine, sql, ['__pos', 'time', 'latitude', 'longitude', 'realization', 'event']);
      expect(await byPosition((await openCsv(defaults, ctx)).numbered!.sql)).toEqual(await byPosition(numbered.sql));
      expect((await openCsv({ ...defaults, cache: false }, ctx)).numbered).toBeUndefined();
    });
  });

  it('converts a truncated converted file again, with one warning, instead of failing on it (issue 12, reproduction 4)', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      await writeSyntheticFiles(engine, synth, dir);
      const ctx = { ...pluginContext({ baseDir: dir, tempDir: tempDir(), pointer: '/data/source' }), engine, spec: { profile: ['relative_humidity'], target: { bands: 'standard-5' } } };
      const names = [...seedMergedColumns(), 'event'];
      await openCsv(defaults, ctx);
      const converted = join(ctx.tempDir, 'csv', readdirSync(join(ctx.tempDir, 'csv')).sort()[0]);
      truncateSync(converted, Math.floor(statSync(converted).size / 2));
      const again = await openCsv(defaults, ctx);
      const warnings = ctx.received.filter((e) => e.type === 'log' && e.level === 'warn').map((e) => (e as { message: string }).message);
      expect(warnings).toEqual([expect.stringMatching(/the converted file .*\.parquet is incomplete \([\d,]+ bytes\); converting it again/)]);
      expect(await rowsOf(engine, again.relation.sql, names)).toEqual(await rowsOf(engine, syntheticSql(synth), names));
    });
  });

  it('reads files with either column order, the YYYY-MM-DD midnight quirk, and Parquet files, as the same table', async () => {
    await withEngine(async (engine) => {
      const plain = tempDir();
      await writeSyntheticFiles(engine, synth, plain);
      const mixed = tempDir();
      const [first] = await writeSyntheticFiles(engine, { ...synth, events: 1, columnOrder: 'radar-first', dateOnlyMidnight: true }, mixed);
      expect(readFileSync(first.path, 'utf8').split('\n')[0].split(',').slice(0, 4)).toEqual(['time', 'latitude', 'longitude', 'radar_max_rain_aggregate_3hr']);
      expect(/^2020-01-05,/m.test(readFileSync(first.path, 'utf8'))).toBe(true);
      // The second event as Parquet, written from the plain CSV.
      const second = join(plain, '202001_synthetic_02', readdirSync(join(plain, '202001_synthetic_02'))[0]);
      mkdirSync(join(mixed, '202001_synthetic_02'));
      await engine.run(`COPY (SELECT * FROM read_csv('${second}')) TO '${join(mixed, '202001_synthetic_02', 'prd_merged_x.parquet')}' (FORMAT parquet)`);
      const names = [...seedMergedColumns(), 'event'];
      const expected = await rowsOf(engine, (await openCsv(defaults, context(engine, plain))).relation.sql, names);
      const got = await openCsv({ ...defaults, paths: ['.'] }, context(engine, mixed));
      expect((await engine.columns(got.relation)).slice(0, 2).map((c) => c.name)).toEqual(['time', 'latitude']);
      expect(await rowsOf(engine, got.relation.sql, names)).toEqual(expected);
    });
  });

  it('reads CRLF line ends, quoted fields, a byte-order mark and a legacy index column', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      write(dir, 'ev/prd_merged_a.csv', '\uFEFF,realization,"time",x,forecast_period\r\n0,0,2020-02-14,"1.5","0 days 06:00:00"\r\n1,1,"2020-02-14 06:00:00",2,"0 days, quoted"\r\n');
      const data = await openCsv({ ...defaults, cache: false }, context(engine, dir));
      const rows = await engine.rows(`SELECT realization::INT AS r, strftime(time, '%Y-%m-%d %H:%M') AS t, x, forecast_period AS fp, event FROM (${data.relation.sql}) ORDER BY r`);
      expect(rows).toEqual([
        { r: 0, t: '2020-02-14 00:00', x: 1.5, fp: '0 days 06:00:00', event: 'ev' },
        { r: 1, t: '2020-02-14 06:00', x: 2, fp: '0 days, quoted', event: 'ev' },
      ]);
    });
  });

  it('resolves paths against the recipe directory and sorts files by path', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      write(dir, 'data/b_event/prd_merged_1.csv', 'time,v\n2020-01-01,1\n');
      write(dir, 'data/a_event/prd_merged_2.csv', 'v,time\n2,2020-01-02\n');
      write(dir, 'data/a_event/notes.txt', 'not data');
      const data = await openCsv({ ...defaults, paths: ['data/*/prd_merged_*.csv'] }, context(engine, dir));
      expect(data.files).toEqual([join(dir, 'data/a_event/prd_merged_2.csv'), join(dir, 'data/b_event/prd_merged_1.csv')]);
      expect(await engine.rows(`SELECT v, event FROM (${data.relation.sql}) ORDER BY v`)).toEqual([{ v: 1, event: 'b_event' }, { v: 2, event: 'a_event' }]);
      const byFile = await openCsv({ ...defaults, paths: ['data'], event: 'file' }, context(engine, dir));
      expect(await engine.rows(`SELECT event FROM (${byFile.relation.sql}) ORDER BY v`)).toEqual([{ event: 'prd_merged_1' }, { event: 'prd_merged_2' }]);
    });
  });

  it('has a fingerprint that changes when a file changes, and reuses its Parquet conversion otherwise', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      const path = write(dir, 'ev/prd_merged_a.csv', 'time,v\n2020-01-01,1\n');
      const ctx = context(engine, dir);
      const a = await openCsv(defaults, ctx);
      const b = await openCsv(defaults, ctx);
      expect(b.fingerprint).toBe(a.fingerprint);
      expect(b.relation.sql).toBe(a.relation.sql);
      appendFileSync(path, '2020-01-02,2\n');
      const c = await openCsv(defaults, ctx);
      expect(c.fingerprint).not.toBe(a.fingerprint);
      expect(await engine.count(c.relation)).toBe(2);
      // Same size, same modification time, different content.
      writeFileSync(path, 'time,v\n2020-01-01,7\n2020-01-02,2\n');
      utimesSync(path, new Date(1_600_000_000_000), new Date(1_600_000_000_000));
      const d = await openCsv(defaults, ctx);
      writeFileSync(path, 'time,v\n2020-01-01,8\n2020-01-02,2\n');
      utimesSync(path, new Date(1_600_000_000_000), new Date(1_600_000_000_000));
      expect((await openCsv(defaults, ctx)).fingerprint).not.toBe(d.fingerprint);
    });
  });
});

describe('csv source errors', () => {
  it('names the file, row and column of a non-numeric value', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      const path = write(dir, 'ev/prd_merged_a.csv', 'time,rh,t\n2020-01-01,0.5,280\n2020-01-01,0.6,280\n2020-01-01,wet,281\n');
      const error = await failure(openCsv(defaults, context(engine, dir)));
      expect(error.issues[0]).toMatchObject({ file: path, row: 3, line: 4, dataColumn: 'rh' });
      expect(error.message).toBe(`bad value in ${path}, row 3, column "rh"`);
      expect(error.issues[0].message).toMatch(/^"wet" is not a number/);
    });
  });

  it('names the file and row of a truncated row', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      const path = write(dir, 'ev/prd_merged_a.csv', 'time,rh,t\n2020-01-01,0.5,280\n2020-01-01,0.6\n');
      const error = await failure(openCsv(defaults, context(engine, dir)));
      expect(error.issues[0]).toMatchObject({ file: path, row: 2 });
      expect(error.issues[0].message).toMatch(/truncated: 2 fields where the header has 3/);
    });
  });

  it('names a file that lacks a column the others have (a missing target column)', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      write(dir, 'a/prd_merged_a.csv', 'time,radar_fraction_in_band_instant_0.0,rh\n2020-01-01,1,0.5\n');
      const b = write(dir, 'b/prd_merged_b.csv', 'time,rh\n2020-01-01,0.5\n');
      const error = await failure(openCsv(defaults, context(engine, dir)));
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]).toMatchObject({ file: b, dataColumn: 'radar_fraction_in_band_instant_0.0' });
      expect(error.issues[0].message).toMatch(/lacks column "radar_fraction_in_band_instant_0.0"/);
    });
  });

  it('names an empty file and a file with no header', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      write(dir, 'a/prd_merged_a.csv', 'time,rh\n2020-01-01,0.5\n');
      const empty = write(dir, 'b/prd_merged_b.csv', '');
      const blank = write(dir, 'c/prd_merged_c.csv', '\n\n');
      const error = await failure(openCsv(defaults, context(engine, dir)));
      expect(error.issues.map((i) => [i.file, i.message.split(';')[0]])).toEqual([
        [empty, 'the file is empty (0 bytes)'],
        [blank, 'the file has no header line'],
      ]);
    });
  });

  it('names the recipe path whose glob matches nothing, and what is there', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      write(dir, 'data/ev/prd_merged_a.csv', 'time,rh\n2020-01-01,0.5\n');
      const error = await failure(openCsv({ ...defaults, paths: ['data/*/prd_merged_*.csv', 'data/ev/prd_mreged_*.csv', 'nowhere/*.csv'] }, context(engine, dir)));
      expect(error.issues.map((i) => i.pointer)).toEqual(['/data/source/with/paths/1', '/data/source/with/paths/2']);
      expect(error.issues[0].message).toBe('matches no .csv or .parquet files (' + join(dir, 'data/ev') + ' has: prd_merged_a.csv)');
      expect(error.issues[1].message).toMatch(/does not exist/);
    });
  });

  it('names the file, row and column of a time that does not parse, with or without the Parquet conversion', async () => {
    await withEngine(async (engine) => {
      const dir = tempDir();
      const path = write(dir, 'ev/prd_merged_a.csv', 'rh,time\n0.5,2020-01-01\n0.5,2020-01-01 06:00:00\n0.5,14/02/2020\n');
      for (const cache of [true, false]) {
        const error = await failure(openCsv({ ...defaults, cache }, context(engine, dir)));
        expect(error.issues[0]).toMatchObject({ file: path, row: 3, dataColumn: 'time' });
        expect(error.issues[0].message).toMatch(/"14\/02\/2020" is not a time/);
      }
    });
  });
});

describe('CSV records', () => {
  it('splits quoted fields with commas, doubled quotes and CRLF', () => {
    expect(parseRecord('a,"b,c","d ""e""",\r\nnext')).toEqual({ fields: ['a', 'b,c', 'd "e"', ''], end: 20 });
    expect(parseRecord('"open')).toBeUndefined();
  });
});

describe('csv source errors when reading lazily (cache: false)', () => {
  it('translates DuckDB read errors met when the rows are read (at the split step) into file, row and column', async () => {
    const { translateReadError } = await import('@prd/core');
    await withEngine(async (engine) => {
      const dir = tempDir();
      const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
        ['bad.csv', 'time,rh\n2020-01-01,0.5\n2020-01-01,n/a\n', { row: 2, dataColumn: 'rh' }, /"n\/a" is not a number/],
        ['short.csv', 'time,rh,t\n2020-01-01,0.5,1\n2020-01-01\n', { row: 2 }, /truncated: 1 fields where the header has 3/],
        ['long.csv', 'time,rh\n2020-01-01,0.5\n2020-01-01,0.5,9\n', { row: 2 }, /has extra values: 3 fields where the header has 2/],
        ['quote.csv', 'time,rh\n2020-01-01,0.5\n2020-01-01,"0.5\n', {}, /quoted field is never closed|could not read/],
      ];
      for (const [name, text, where, message] of cases) {
        const path = write(dir, `${name.replace('.csv', '')}/prd_merged_${name}`, text);
        let translated: PrdError | undefined;
        try {
          // Opening scans the time column; a malformed row may already show there, otherwise when the rows are read.
          const data = await openCsv({ ...defaults, paths: [path], cache: false }, context(engine, dir));
          await engine.rows(`SELECT * FROM (${data.relation.sql})`);
        } catch (error) {
          translated = isPrdError(error) ? error : translateReadError(error);
        }
        expect(translated, name).toBeDefined();
        expect(translated!.issues[0], name).toMatchObject({ file: path, ...where });
        expect(translated!.issues[0].message, name).toMatch(message);
      }
    });
  });
});
