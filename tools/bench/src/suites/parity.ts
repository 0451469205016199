import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchContext, BenchRow, BenchSuite } from '../suite.js';
import { PARITY_SCORES, PARITY_SIDES, parityRows, scoreAt, type ParityRun } from './parity-rows.js';

const exec = promisify(execFile);
const DEFAULT_SEEDS = 8;
// From tools/bench/dist/suites/ (and src/suites/ under vitest) to the repository's quickstart.
const QUICKSTART = fileURLToPath(new URL('../../../../recipes/quickstart.json', import.meta.url));

/**
 * Whether the fused step trains the same model as tfjs: the whole quickstart (`recipes/quickstart.json`, without
 * explanations) for each seed on each side (fused and tfjs, on one and two threads), its test scores compared per
 * seed. Each run starts from the same data, initial weights and batches, so fused and tfjs differ only in arithmetic;
 * how far tfjs on two threads (only the order of sums changed) moves from tfjs is the yardstick. Seeds:
 * PRD_BENCH_PARITY_SEEDS (default 8: 32 runs, about 15 minutes on 2 cores).
 */
export const paritySuite: BenchSuite = {
  name: 'parity',
  python: false,
  // It runs the quickstart on its synthetic data.
  dataset: false,
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const seedCount = Number(process.env.PRD_BENCH_PARITY_SEEDS ?? DEFAULT_SEEDS);
    if (!Number.isInteger(seedCount) || seedCount < 1) throw new Error(`PRD_BENCH_PARITY_SEEDS must be a whole number >= 1, not ${process.env.PRD_BENCH_PARITY_SEEDS}`);
    const cliDir = dirname(createRequire(import.meta.url).resolve('@prd/cli/package.json'));
    // A cache of this suite only, emptied first: within the suite a seed's data, split and scaling are computed once
    // and shared by its sides (their training, prediction and scores are keyed by the runtime and computed per side).
    rmSync(join(ctx.workDir, '.prd'), { recursive: true, force: true });
    const runs: ParityRun[] = [];
    for (let seed = 1; seed <= seedCount; seed++) {
      for (const side of PARITY_SIDES) {
        const args = ['run', QUICKSTART, '--json', '--set', 'explain=[]', '--set', `seed=${seed}`, '--set', `compute.with.runtime=${side.runtime}`, '--set', `compute.with.workers=${side.workers}`];
        const { stdout } = await exec(process.execPath, [join(cliDir, 'bin', 'run.js'), ...args], { cwd: ctx.workDir, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: 'true' } });
        const summary = JSON.parse(stdout) as { status: string; metrics?: { test?: unknown } };
        if (summary.status !== 'FINISHED') throw new Error(`parity: the quickstart with seed ${seed} on ${side.name} ended ${summary.status}`);
        const scores = PARITY_SCORES.map((s) => scoreAt(summary.metrics?.test, s.path));
        runs.push({ seed, side: side.name, scores });
        ctx.log(`parity: seed ${seed} ${side.name}: ${PARITY_SCORES.map((s, i) => `${s.name} ${scores[i].toFixed(4)}`).join(', ')}`);
      }
    }
    return parityRows(runs);
  },
};
