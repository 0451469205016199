import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DataEngine, hashOf } from '@prd/core';
import { syntheticRowCount, writeSyntheticFiles, type SyntheticOptions } from '@prd/precip';
import { ensurePythonEnv, pythonVersions } from './python-env.js';
import type { BenchRow, BenchSuite } from './suite.js';
import { markdownTable } from './table.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = resolve(HERE, '..', '..', '..');
const { values: args } = parseArgs({
  options: {
    // Default: every suite loadSuites returns.
    suites: { type: 'string' },
    repetitions: { type: 'string', default: '3' },
    events: { type: 'string', default: '4' },
    times: { type: 'string', default: '13' },
    cells: { type: 'string', default: '1100' },
    members: { type: 'string', default: '18' },
    out: { type: 'string', default: join(REPO, 'bench-results') },
  },
});

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** The fixed synthetic dataset: same seed and size every time, written once and reused. */
async function dataset(options: SyntheticOptions): Promise<string> {
  const dir = join(REPO, '.bench', 'data', hashOf(options));
  if (existsSync(join(dir, '.complete'))) return dir;
  log(`writing the benchmark dataset (${syntheticRowCount(options).toLocaleString('en-US')} rows) to ${dir}`);
  const engine = await DataEngine.open({ memoryLimit: '2GB', tempDir: join(REPO, '.bench', 'tmp') });
  try {
    await writeSyntheticFiles(engine, options, dir);
  } finally {
    engine.close();
  }
  writeFileSync(join(dir, '.complete'), JSON.stringify(options));
  return dir;
}

/** The suites, in the order they run. (Their `*-prd.js` and `run-rss.js` helpers are child-process scripts, never imported here.) */
async function loadSuites(): Promise<BenchSuite[]> {
  const [{ dataSuite }, { trainingSuite }, { paritySuite }, { verificationSuite }, { runSuite }] = await Promise.all([
    import('./suites/data.js'),
    import('./suites/training.js'),
    import('./suites/parity.js'),
    import('./suites/verification.js'),
    import('./suites/run.js'),
  ]);
  return [dataSuite, trainingSuite, paritySuite, verificationSuite, runSuite];
}

async function main(): Promise<void> {
  const options: SyntheticOptions = { seed: 20221216, events: Number(args.events), times: Number(args.times), cells: Number(args.cells), members: Number(args.members) };
  const all = await loadSuites();
  const wanted = args.suites ? args.suites.split(',').map((s) => s.trim()) : all.map((s) => s.name);
  const suites = wanted.map((name) => {
    const suite = all.find((s) => s.name === name);
    if (!suite) throw new Error(`no benchmark suite "${name}" (have: ${all.map((s) => s.name).join(', ')})`);
    return suite;
  });
  const dataDir = suites.some((s) => s.dataset !== false) ? await dataset(options) : '';
  const python = suites.some((s) => s.python !== false) ? ensurePythonEnv(join(REPO, '.bench', 'venv'), join(REPO, 'tools', 'bench', 'python', 'requirements.txt'), log) : '';
  const rows: BenchRow[] = [];
  const failed: string[] = [];
  // The load average (1, 5, 15 min) around the run: on a shared machine it says how far to trust wall-clock rates.
  const loadBefore = loadavg();
  for (const suite of suites) {
    log(`suite ${suite.name}`);
    const workDir = join(REPO, '.bench', 'work', suite.name);
    mkdirSync(workDir, { recursive: true });
    try {
      rows.push(...(await suite.run({ dataDir, workDir, python, repetitions: Number(args.repetitions), log })));
    } catch (error) {
      // One failing suite must not throw away what the others measured (a full run takes most of an hour).
      failed.push(suite.name);
      log(`suite ${suite.name} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
  const load = { before: loadBefore.map((l) => Number(l.toFixed(2))), after: loadavg().map((l) => Number(l.toFixed(2))) };
  const result = { date: new Date().toISOString(), machine, load, failed, python: python ? pythonVersions(python) : {}, dataset: { ...options, rows: syntheticRowCount(options) }, repetitions: Number(args.repetitions), rows };
  mkdirSync(args.out, { recursive: true });
  const stamp = result.date.replace(/[:.]/g, '-');
  writeFileSync(join(args.out, `bench-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(args.out, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  const table = markdownTable(rows);
  writeFileSync(join(args.out, 'latest.md'), `${table}\n`);
  process.stdout.write(`\n${table}\n\nmachine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; dataset ${result.dataset.rows.toLocaleString('en-US')} rows; medians of ${result.repetitions} repetitions; load average ${load.before.join(' ')} before, ${load.after.join(' ')} after\nresults: ${join(args.out, 'latest.json')}\n`);
  if (failed.length > 0) {
    log(`failed suites: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
