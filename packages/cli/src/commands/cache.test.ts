import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StepCache } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { prd, workDir } from '../test/cli.js';
import type { CacheSummary } from './cache.js';

/** A cache with three train entries used 3, 2 and 1 days ago, one split entry, and a CSV conversion used 3 days ago. */
function fixture(): string {
  const dir = workDir();
  const root = join(dir, '.prd', 'cache');
  const cache = new StepCache(root);
  for (const [step, key, daysAgo] of [['train', 'aaaa', 3], ['train', 'bbbb', 2], ['train', 'cccc', 1], ['split', 'dddd', 0]] as const) {
    const tmp = cache.begin(step, key);
    writeFileSync(join(tmp, 'out.bin'), Buffer.alloc(1500));
    cache.commit(step, key, tmp, {});
    const at = new Date(Date.now() - daysAgo * 86_400_000 - 1000);
    utimesSync(join(root, step, key, 'entry.json'), at, at);
  }
  cache.close();
  const conversion = join(dir, '.prd', 'tmp', 'csv', 'eeee.parquet');
  mkdirSync(join(conversion, '..'), { recursive: true });
  writeFileSync(conversion, Buffer.alloc(2500));
  const at = new Date(Date.now() - 3 * 86_400_000);
  utimesSync(conversion, at, at);
  return dir;
}

describe('prd cache', () => {
  it('lists entries with step, key, size, age and last use, as a table and as JSON', () => {
    const dir = fixture();
    const table = prd(['cache'], dir);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^step\s+key\s+size\s+age\s+last used$/);
    expect(table.stdout).toMatch(/train\s+aaaa\s+[\d.]+ kB\s+\S+ ago\s+3d ago/);
    expect(table.stdout).toMatch(/4 entries, [\d.]+ kB in /);
    expect(table.stdout).toMatch(/tmp\/csv\s+eeee\s+2.5 kB\s+3d ago\s+3d ago/);
    expect(table.stdout).toMatch(/1 derived files, 2.5 kB in .*tmp/);
    const json = JSON.parse(prd(['cache', 'list', '--json'], dir).stdout) as CacheSummary;
    expect(json.entries.map((e) => `${e.step}/${e.key}`)).toEqual(['split/dddd', 'train/cccc', 'train/bbbb', 'train/aaaa']);
    expect(json.entries[0]).toMatchObject({ state: 'ok', inUse: false, bytes: expect.any(Number) });
    expect(json.derived).toMatchObject([{ kind: 'csv', name: 'eeee', bytes: 2500, inUse: false }]);
  });

  it('prunes by age, by count per step, and all', () => {
    const dir = fixture();
    const aged = JSON.parse(prd(['cache', 'prune', '--older-than', '36h', '--json'], dir).stdout) as CacheSummary;
    expect(aged.removed?.map((e) => e.key).sort()).toEqual(['aaaa', 'bbbb']);
    expect(aged.removedDerived?.map((d) => d.name)).toEqual(['eeee']);
    expect(existsSync(join(dir, '.prd', 'tmp', 'csv', 'eeee.parquet'))).toBe(false);
    const kept = JSON.parse(prd(['cache', 'prune', '--keep-last', '0', '--json'], dir).stdout) as CacheSummary;
    expect(kept.removed?.map((e) => e.key).sort()).toEqual(['cccc', 'dddd']);
    expect(kept.entries).toEqual([]);
    const none = prd(['cache', 'prune', '--all'], dir);
    expect(none.stderr).toMatch(/removed 0 entries/);
  });

  it('says how to prune when no rule is given, with exit code 2', () => {
    const result = prd(['cache', 'prune'], workDir());
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/needs one of --older-than <age>, --keep-last <n> or --all/);
    expect(prd(['cache', 'prune', '--older-than', 'a week'], workDir()).stderr).toMatch(/write a number and a unit/);
  });
});
