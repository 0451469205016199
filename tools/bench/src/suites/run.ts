import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchContext, BenchRow, BenchSuite } from '../suite.js';

const exec = promisify(execFile);
const GIB = 1024;

interface StepRecord {
  name: string;
  cached?: boolean;
  durationMs: number;
}

/** The whole benchmark dataset through every step of a real recipe: the seed's notebook as one `prd run`. */
function recipe(dataDir: string): object {
  return {
    name: 'bench-1m',
    seed: 42,
    data: {
      source: { use: 'csv', with: { paths: [join(dataDir, '**/prd_merged_*.csv')] } },
      features: {
        profile: ['air_temperature', 'relative_humidity', 'wind_speed', 'wind_from_direction', 'cloud_volume_fraction_in_atmosphere_layer'],
        target: { bands: 'standard-5', source: 'radar_fraction_in_band_instant' },
        baseline: { source: 'mogrepsg_fraction_in_band_instant' },
      },
      transforms: [{ use: 'drop-missing' }, { use: 'range', with: { column: 'radar_mean_rain_instant', below: 50 } }, { use: 'drop-dry' }],
    },
    split: { use: 'time-space', with: { validation: 0.2, test: 0.2 } },
    model: { use: 'conv1d-residual' },
    train: { epochs: 1, batchSize: 64, optimizer: { adam: { learningRate: 0.001 } }, loss: 'kl-divergence' },
    compute: { use: 'local', with: { device: 'auto' } },
    evaluate: [{ use: 'fss' }, { use: 'frequency-bias' }, { use: 'kl-divergence' }],
    explain: [{ use: 'permutation-importance', with: { repeats: 3, maxRows: 3000 } }, { use: 'saliency' }],
  };
}

/**
 * Peak memory of one `prd run` of the 1M-row dataset end to end (CSV conversion, transforms, split, scaling, one
 * epoch of the seed model, evaluation, explanations, report), in its own process. Goal: under 2 GiB.
 */
export const runSuite: BenchSuite = {
  name: 'run',
  python: false,
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const recipePath = join(ctx.workDir, 'bench-1m.json');
    writeFileSync(recipePath, `${JSON.stringify(recipe(ctx.dataDir), null, 2)}\n`);
    const cli = join(dirname(createRequire(import.meta.url).resolve('@prd/cli/package.json')), 'bin', 'run.js');
    const preload = fileURLToPath(new URL('./run-rss.js', import.meta.url));
    const rssFile = join(ctx.workDir, 'peak-rss-mib');
    ctx.log('run: prd run on the benchmark dataset (1 epoch; several minutes)');
    const start = performance.now();
    // No cache and no earlier CSV conversion: converting the CSV is part of the run being measured.
    rmSync(join(ctx.workDir, '.prd'), { recursive: true, force: true });
    const { stdout } = await exec(process.execPath, ['--import', preload, cli, 'run', recipePath, '--json', '--no-cache'], {
      cwd: ctx.workDir,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, PRD_BENCH_RSS_FILE: rssFile, CI: 'true' },
    });
    const seconds = (performance.now() - start) / 1000;
    const summary = JSON.parse(stdout) as { runDir: string; status: string };
    if (summary.status !== 'FINISHED') throw new Error(`run benchmark: prd run ended ${summary.status}`);
    const peak = Number(readFileSync(rssFile, 'utf8'));
    const manifest = JSON.parse(readFileSync(join(summary.runDir, 'manifest.json'), 'utf8')) as { steps: StepRecord[]; training?: { samplesPerSecond?: number }; data?: unknown };
    const steps = manifest.steps.filter((s) => s.durationMs > 0).map((s) => `${s.name} ${(s.durationMs / 1000).toFixed(1)} s`).join(', ');
    const rate = manifest.training?.samplesPerSecond;
    ctx.log(`run: ${seconds.toFixed(0)} s, peak ${peak.toFixed(0)} MiB (${steps})`);
    return [
      {
        suite: 'run',
        name: 'whole prd run of the benchmark dataset, 1 epoch: peak memory (MiB)',
        value: peak,
        unit: 'MiB',
        better: 'lower',
        samples: [peak],
        reference: { name: 'goal: 2 GiB', value: 2 * GIB, samples: [2 * GIB] },
        ratio: (2 * GIB) / peak,
        peakMemoryMiB: peak,
        note: `one run, ${seconds.toFixed(0)} s wall: ${steps}${rate ? `; training ${rate.toFixed(0)} samples/s` : ''}`,
      },
    ];
  },
};
