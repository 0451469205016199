// One process of the write-once test (cache.test.ts): computes or waits for one entry, then reads it for a while.
// Usage: node cache-race.fixture.mjs <cache root> <race|lock> <barrier dir> <processes>
// PRD_CACHE_MODULE may name another build of the cache module (to run the test against older code).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, mode, barrier, processes] = process.argv.slice(2);
const modulePath = process.env.PRD_CACHE_MODULE ?? join(import.meta.dirname, '..', '..', '..', 'dist', 'run', 'cache.js');
const { StepCache } = await import(pathToFileURL(modulePath).href);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const KEY = '00000000000000aa';
const PARTS = 40;

const cache = new StepCache(root);
let info = cache.lookup('train', KEY);
let computed = false;
if (!info && mode === 'lock') info = await cache.acquire('train', KEY);
if (!info) {
  computed = true;
  const tmp = cache.begin('train', KEY);
  mkdirSync(join(tmp, 'model'));
  for (let i = 0; i < PARTS; i++) writeFileSync(join(tmp, 'model', `part-${i}.bin`), Buffer.alloc(32 * 1024, process.pid % 251));
  writeFileSync(join(barrier, String(process.pid)), '');
  // race: every process commits at the same moment; lock: the others are waiting meanwhile.
  if (mode === 'race') for (let i = 0; i < 400 && readdirSync(barrier).length < Number(processes); i++) await sleep(25);
  else await sleep(300);
  info = cache.commit('train', KEY, tmp, { writer: process.pid });
}
const dir = cache.entryDir('train', KEY);
let error;
for (const until = Date.now() + 1500; Date.now() < until && !error; await sleep(5)) {
  try {
    for (let i = 0; i < PARTS; i++) {
      const bytes = readFileSync(join(dir, 'model', `part-${i}.bin`));
      if (bytes[0] !== info.summary.writer % 251 || bytes.length !== 32 * 1024) throw new Error(`part-${i}.bin holds another writer's bytes`);
    }
  } catch (e) {
    error = e.message;
  }
}
process.stdout.write(JSON.stringify({ pid: process.pid, computed, writer: info.summary.writer, error }));
