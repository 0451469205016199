import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { entryDigest, StepCache } from './cache.js';
import { listEntries, parseAge, pruneEntries } from './cache-list.js';
import { RunEvents, type RunEvent } from './events.js';

// Core's tests make their own folders: @prd/testing depends on core, not the other way round.
const tempDir = (prefix = 'prd-test-'): string => mkdtempSync(join(tmpdir(), prefix));

const KEY = '0123456789abcdef';

/** A cache whose warnings are collected. */
function cacheWithLog(root: string, enabled = true): { cache: StepCache; logs: Array<Extract<RunEvent, { type: 'log' }>> } {
  const events = new RunEvents();
  const logs: Array<Extract<RunEvent, { type: 'log' }>> = [];
  events.on((e) => e.type === 'log' && logs.push(e));
  return { cache: new StepCache(root, enabled, { events }), logs };
}

/** Write a two-file entry. */
function writeEntry(cache: StepCache, key = KEY, content = 'weights'): void {
  const tmp = cache.begin('train', key);
  mkdirSync(join(tmp, 'model'));
  writeFileSync(join(tmp, 'model', 'weights.bin'), Buffer.from(content.repeat(1000)));
  writeFileSync(join(tmp, 'history.json'), '[]');
  cache.commit('train', key, tmp, { epochs: 1 });
}

/** A pid that belonged to a process which has ended. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('StepCache verification', () => {
  it('records the size and sha256 of every file and a digest of the entry, and finds it intact', () => {
    const { cache, logs } = cacheWithLog(tempDir('prd-cache-'));
    writeEntry(cache);
    const info = cache.lookup('train', KEY);
    expect(info?.files.map((f) => [f.path, f.size])).toEqual([
      ['history.json', 2],
      ['model/weights.bin', 7000],
    ]);
    expect(info?.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(info?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(entryDigest(cache.entryDir('train', KEY))).toBe(info?.digest);
    expect(logs).toEqual([]);
  });

  const damages: Array<[string, (dir: string) => void, RegExp]> = [
    ['a file overwritten with the same size', (dir) => writeFileSync(join(dir, 'model', 'weights.bin'), Buffer.alloc(7000)), /model\/weights\.bin differs from its recorded sha256/],
    ['a truncated file', (dir) => truncateSync(join(dir, 'model', 'weights.bin'), 100), /model\/weights\.bin has 100 bytes, not the 7,000 recorded/],
    ['a missing file', (dir) => rmSync(join(dir, 'history.json')), /history\.json is missing/],
    ['an extra file', (dir) => writeFileSync(join(dir, 'model', 'validation.f32'), 'x'), /model\/validation\.f32 is not one of its recorded files/],
    ['a garbled entry.json', (dir) => writeFileSync(join(dir, 'entry.json'), '{"format": 2, '), /entry\.json is not valid JSON/],
    ['an edited summary', (dir) => writeFileSync(join(dir, 'entry.json'), readFileSync(join(dir, 'entry.json'), 'utf8').replace('"epochs": 1', '"epochs": 2')), /does not match its seal/],
  ];
  for (const [what, damage, message] of damages) {
    it(`treats an entry with ${what} as absent, with one warning, and replaces it when rebuilt`, () => {
      const root = tempDir('prd-cache-');
      const writer = new StepCache(root);
      writeEntry(writer, KEY, 'weights');
      writer.close();
      const { cache, logs } = cacheWithLog(root);
      damage(cache.entryDir('train', KEY));
      expect(cache.lookup('train', KEY)).toBeUndefined();
      expect(cache.lookup('train', KEY)).toBeUndefined();
      expect(logs).toHaveLength(1);
      expect(logs[0].level).toBe('warn');
      expect(logs[0].message).toMatch(message);
      expect(logs[0].message).toMatch(/train step .* computing it again/);
      writeEntry(cache, KEY, 'rebuilt');
      expect(cache.lookup('train', KEY)?.summary).toEqual({ epochs: 1 });
      expect(readFileSync(join(cache.entryDir('train', KEY), 'model', 'weights.bin'), 'utf8').startsWith('rebuilt')).toBe(true);
      expect(readdirSync(join(root, 'train'))).toEqual([KEY]);
    });
  }

  it('rebuilds an entry of the old format (no file records) with an info line, not a warning', () => {
    const root = tempDir('prd-cache-');
    mkdirSync(join(root, 'train', KEY), { recursive: true });
    writeFileSync(join(root, 'train', KEY, 'entry.json'), JSON.stringify({ step: 'train', key: KEY, createdAt: 'x', summary: {} }));
    const { cache, logs } = cacheWithLog(root);
    expect(cache.lookup('train', KEY)).toBeUndefined();
    expect(logs.map((l) => l.level)).toEqual(['info']);
  });
});

describe('StepCache write-once', () => {
  it('keeps the first complete entry: a later commit of the same key gets the first one', () => {
    const root = tempDir('prd-cache-');
    const cache = new StepCache(root);
    const first = cache.begin('train', KEY);
    const second = cache.begin('train', KEY);
    writeFileSync(join(first, 'a.txt'), 'first');
    writeFileSync(join(second, 'a.txt'), 'second');
    const one = cache.commit('train', KEY, first, { n: 1 });
    const two = cache.commit('train', KEY, second, { n: 2 });
    expect(two).toEqual(one);
    expect(readFileSync(join(cache.entryDir('train', KEY), 'a.txt'), 'utf8')).toBe('first');
    expect(existsSync(second)).toBe(false);
  });

  it('with the cache disabled, a run uses what it computed and leaves the intact entry alone', () => {
    const root = tempDir('prd-cache-');
    writeEntry(new StepCache(root), KEY, 'kept');
    const cache = new StepCache(root, false);
    expect(cache.lookup('train', KEY)).toBeUndefined();
    const tmp = cache.begin('train', KEY);
    writeFileSync(join(tmp, 'a.txt'), 'mine');
    cache.commit('train', KEY, tmp, { n: 2 });
    expect(readFileSync(join(cache.entryDir('train', KEY), 'a.txt'), 'utf8')).toBe('mine');
    expect(new StepCache(root).lookup('train', KEY)?.summary).toEqual({ epochs: 1 });
  });

  // Each process writes its own bytes, commits, then reads the entry for 1.5 s and checks it holds the bytes of the
  // entry its commit returned (on the old code, a later commit deleted and renamed over it: ENOENT or other bytes).
  for (const mode of ['race', 'lock'] as const) {
    it(`three processes on one key share the first complete entry (${mode === 'race' ? 'all commit at once' : 'the others wait for the lock'})`, { timeout: 60_000 }, async () => {
      const root = tempDir('prd-cache-');
      const barrier = tempDir('prd-barrier-');
      const fixture = join(import.meta.dirname, 'test', 'cache-race.fixture.mjs');
      const outputs = await Promise.all([0, 1, 2].map(() => promisify(execFile)(process.execPath, [fixture, root, mode, barrier, '3'])));
      const results = outputs.map((o) => JSON.parse(o.stdout) as { pid: number; computed: boolean; writer: number; error?: string });
      expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
      expect(new Set(results.map((r) => r.writer)).size).toBe(1);
      expect(results.filter((r) => r.computed)).toHaveLength(mode === 'race' ? 3 : 1);
      expect(readdirSync(join(root, 'train'))).toEqual(['00000000000000aa']);
    });
  }
});

describe('leftovers of ended processes', () => {
  it('removes temporary entries, stale locks and partial files of ended processes, and nothing of live ones', () => {
    const root = join(tempDir('prd-cache-'), 'cache');
    const temp = join(root, '..', 'tmp');
    const dead = deadPid();
    const paths = {
      deadEntry: join(root, 'split', `${KEY}.tmp-${dead}-${Date.now()}`),
      liveEntry: join(root, 'split', `${KEY}.tmp-${process.pid}-${Date.now()}`),
      deadLock: join(root, 'split', `${KEY}.lock`),
      deadPartial: join(temp, 'csv', `abc.parquet.${dead}.partial`),
      livePartial: join(temp, 'csv', `def.parquet.${process.pid}.partial`),
    };
    mkdirSync(paths.deadEntry, { recursive: true });
    writeFileSync(join(paths.deadEntry, 'rows.parquet'), Buffer.alloc(2_000_000));
    mkdirSync(paths.liveEntry, { recursive: true });
    writeFileSync(paths.deadLock, JSON.stringify({ pid: dead, host: hostname(), takenAt: Date.now() }));
    mkdirSync(join(temp, 'csv'), { recursive: true });
    writeFileSync(paths.deadPartial, 'x');
    writeFileSync(paths.livePartial, 'x');
    const { logs } = cacheWithLog(root);
    expect(existsSync(paths.deadEntry)).toBe(false);
    expect(existsSync(paths.deadLock)).toBe(false);
    expect(existsSync(paths.deadPartial)).toBe(false);
    expect(existsSync(paths.liveEntry)).toBe(true);
    expect(existsSync(paths.livePartial)).toBe(true);
    expect(logs.map((l) => l.message)).toEqual(['removed 3 leftover temporary files of ended processes (2.0 MB)']);
  });

  it('breaks an empty lock file left by a process killed as it took the lock, once it is old', async () => {
    const root = tempDir('prd-cache-');
    mkdirSync(join(root, 'train'), { recursive: true });
    const lock = join(root, 'train', `${KEY}.lock`);
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(await new StepCache(root).acquire('train', KEY)).toBeUndefined();
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
  });

  it('acquire takes over a lock whose holder has ended, and waits for a live one', async () => {
    const root = tempDir('prd-cache-');
    const cache = new StepCache(root);
    mkdirSync(join(root, 'train'), { recursive: true });
    writeFileSync(join(root, 'train', `${KEY}.lock`), JSON.stringify({ pid: deadPid(), host: hostname(), takenAt: Date.now() }));
    expect(await cache.acquire('train', KEY)).toBeUndefined();
    expect(JSON.parse(readFileSync(join(root, 'train', `${KEY}.lock`), 'utf8')).pid).toBe(process.pid);
    const tmp = cache.begin('train', KEY);
    // Another cache object of a live process (this one) holds the lock: a second acquire waits until the entry exists.
    const waiting = new StepCache(root).acquire('train', KEY);
    writeFileSync(join(tmp, 'a.txt'), 'a');
    cache.commit('train', KEY, tmp, { done: true });
    expect(existsSync(join(root, 'train', `${KEY}.lock`))).toBe(false);
    expect((await waiting)?.summary).toEqual({ done: true });
  });
});

describe('prd cache list and prune', () => {
  it('lists entries with size and last use, prunes by age, by count per step and all, but never an entry in use', () => {
    const root = tempDir('prd-cache-');
    const cache = new StepCache(root);
    writeEntry(cache, 'aaaa', 'a');
    writeEntry(cache, 'bbbb', 'b');
    writeEntry(cache, 'cccc', 'c');
    const old = new Date(Date.now() - 10 * 86_400_000);
    utimesSync(join(root, 'train', 'aaaa', 'entry.json'), old, old);
    cache.close();
    const rows = listEntries(root);
    expect(rows.map((r) => r.key).at(-1)).toBe('aaaa');
    expect(rows[0]).toMatchObject({ step: 'train', bytes: 1000 + 2 + readFileSync(join(root, 'train', 'cccc', 'entry.json')).length, state: 'ok', inUse: false });

    expect(pruneEntries(root, { olderThanMs: parseAge('7d') }).removed.map((r) => r.key)).toEqual(['aaaa']);
    // A run of this process uses bbbb now: prune keeps it.
    const user = new StepCache(root);
    expect(user.lookup('train', 'bbbb')).toBeDefined();
    const all = pruneEntries(root, { all: true });
    expect(all.removed.map((r) => r.key)).toEqual(['cccc']);
    expect(all.inUse.map((r) => r.key)).toEqual(['bbbb']);
    expect(listEntries(root).map((r) => r.key)).toEqual(['bbbb']);
  });

  it('keeps the last N entries of each step', () => {
    const root = tempDir('prd-cache-');
    const cache = new StepCache(root);
    for (const [i, key] of ['aaaa', 'bbbb', 'cccc'].entries()) {
      writeEntry(cache, key);
      const at = new Date(Date.now() - (3 - i) * 60_000);
      utimesSync(join(root, 'train', key, 'entry.json'), at, at);
    }
    cache.close();
    expect(pruneEntries(root, { keepLast: 1 }).removed.map((r) => r.key).sort()).toEqual(['aaaa', 'bbbb']);
  });

  it('reads ages like 7d, 12h and 30m, and says how to write one', () => {
    expect(parseAge('7d')).toBe(7 * 86_400_000);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(() => parseAge('7 days')).toThrow(/write a number and a unit: 45s, 30m, 12h, 7d or 2w/);
  });
});

