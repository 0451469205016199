import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDerivedFiles, pruneDerivedFiles, removeDerivedRow, useDerivedFile } from './derived-files.js';
import { currentProcess } from './process-identity.js';

const DAY = 86_400_000;

/** A temporary directory with derived files last used `daysAgo` days ago, and files that are not derived ones. */
function fixture(files: Array<[string, number, number]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'prd-derived-'));
  for (const [path, bytes, daysAgo] of files) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), Buffer.alloc(bytes));
    const at = new Date(Date.now() - daysAgo * DAY);
    utimesSync(join(dir, path), at, at);
  }
  return dir;
}

describe('derived files', () => {
  it('lists each file with its sidecars as one row, newest use first, and skips partial and spill files', () => {
    const dir = fixture([
      ['csv/aaaa.parquet', 100, 3],
      ['selections/bbbb.parquet', 40, 1],
      ['selections/bbbb.json', 2, 2],
      ['csv/cccc.parquet.123.partial', 7, 0],
      ['duckdb/spill.tmp', 9, 0],
    ]);
    const rows = listDerivedFiles(dir);
    expect(rows.map((r) => `${r.kind}/${r.name} ${r.bytes} ${r.files.length}`)).toEqual(['selections/bbbb 42 2', 'csv/aaaa 100 1']);
    // The last use of a group is its newest file's.
    expect(Date.now() - Date.parse(rows[0].lastUsedAt)).toBeLessThan(1.1 * DAY);
    expect(rows.every((r) => !r.inUse)).toBe(true);
  });

  it('prunes by age, by count per kind, and all', () => {
    const files: Array<[string, number, number]> = [
      ['csv/a1.parquet', 10, 5],
      ['csv/a2.parquet', 10, 3],
      ['csv/a3.parquet', 10, 1],
      ['synthetic/s1.parquet', 10, 4],
    ];
    const aged = fixture(files);
    const removed = pruneDerivedFiles(aged, { olderThanMs: 3.5 * DAY });
    expect(removed.removed.map((r) => r.name).sort()).toEqual(['a1', 's1']);
    expect(removed.bytes).toBe(20);
    expect(readdirSync(join(aged, 'csv')).sort()).toEqual(['a2.parquet', 'a3.parquet']);

    const counted = fixture(files);
    expect(pruneDerivedFiles(counted, { keepLast: 1 }).removed.map((r) => r.name).sort()).toEqual(['a1', 'a2']);
    expect(listDerivedFiles(counted).map((r) => r.name).sort()).toEqual(['a3', 's1']);

    const all = fixture(files);
    expect(pruneDerivedFiles(all, { all: true }).removed).toHaveLength(4);
    expect(listDerivedFiles(all)).toEqual([]);
  });

  it('keeps what a live process used since it started, and removes the rest', () => {
    const dir = fixture([
      ['csv/old.parquet', 10, 3],
      ['csv/mine.parquet', 10, 3],
    ]);
    // This process uses one of them now (as a run reusing a conversion does).
    useDerivedFile(dir, join(dir, 'csv', 'mine.parquet'));
    const rows = listDerivedFiles(dir);
    expect(rows.find((r) => r.name === 'mine')?.inUse).toBe(true);
    expect(rows.find((r) => r.name === 'old')?.inUse).toBe(false);
    const result = pruneDerivedFiles(dir, { all: true });
    expect(result.removed.map((r) => r.name)).toEqual(['old']);
    expect(result.inUse.map((r) => r.name)).toEqual(['mine']);
    expect(existsSync(join(dir, 'csv', 'mine.parquet'))).toBe(true);
  });

  it('puts a file back when a process used it between the listing and its removal', () => {
    const dir = fixture([
      ['synthetic/s1.parquet', 10, 3],
      ['synthetic/s2.parquet', 10, 3],
    ]);
    const [first, second] = listDerivedFiles(dir);
    expect(first.inUse || second.inUse).toBe(false);
    // A run starts and reuses the first one after the prune listed it as unused.
    useDerivedFile(dir, first.files[0]);
    expect(removeDerivedRow(dir, first)).toBe(false);
    expect(removeDerivedRow(dir, second)).toBe(true);
    expect(readdirSync(join(dir, 'synthetic'))).toEqual([`${first.name}.parquet`]);
  });

  it('forgets the records of ended processes', () => {
    const dir = fixture([['csv/a.parquet', 10, 0]]);
    mkdirSync(join(dir, '.users'));
    // pid 2^22 + 1 is above Linux's pid limit: no such process.
    writeFileSync(join(dir, '.users', 'gone.json'), JSON.stringify({ pid: 4_194_305, host: currentProcess().host, since: Date.now() - DAY }));
    expect(listDerivedFiles(dir)[0].inUse).toBe(false);
    expect(readdirSync(join(dir, '.users'))).toEqual([]);
  });
});
