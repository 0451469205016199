import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunDirectory, type EpochRecord, type Manifest, type MetricTree, type RunStatus, type TrackedRun, type Tracker } from '@prd/core';

/** A recipe like the quickstart's, as `TrackedRun.recipe` carries it (secrets as placeholders). */
export function sampleRecipe(name: string, registerAs?: string): Record<string, unknown> {
  return {
    $schema: './recipe.schema.json',
    name,
    seed: 42,
    data: {
      source: { use: 'synthetic', with: { rows: 2000 } },
      features: { profile: ['relative_humidity', 'air_temperature'], singleLevel: ['air_pressure_at_sea_level'], target: { bands: 'standard-5' } },
      transforms: [{ use: 'drop-missing' }, { use: 'range', with: { column: 'radar_mean_rain_instant', below: 50 } }],
    },
    split: { use: 'random', with: { validation: 0.2, test: 0.2 } },
    model: { use: 'conv1d-residual', with: { filters: 8, kernelSize: 3 } },
    train: { epochs: 6, batchSize: 64, optimizer: { adam: { learningRate: 0.001 } }, loss: 'kl-divergence' },
    track: [{ use: 'mlflow', with: { uri: '${env:MLFLOW_TRACKING_URI}', token: '${env:MLFLOW_TRACKING_TOKEN}', ...(registerAs ? { registerAs, alias: 'champion' } : {}) } }],
  };
}

/** The final metrics of the fixture run, shaped like the evaluators' tree (split -> score -> threshold -> side). */
export const SAMPLE_METRICS: MetricTree = {
  test: {
    fss: { '0.5': { ml: 0.61, nwp: 0.42 }, '2': { ml: 0.33, nwp: null }, '10 mm/h': { ml: 0.05, nwp: 0.01 } },
    frequency_bias: { '0.5': { ml: 1.02, nwp: 1.4 } },
  },
  validation: { mae: { ml: 0.12, nwp: 0.2 } },
};

/** One epoch's record as the trainer emits it. */
export function epochRecord(epoch: number, at: number): EpochRecord {
  return { epoch, timestamp: at, durationMs: 800, learningRate: 0.001, metrics: { loss: 1 / epoch, val_loss: 1.2 / epoch, accuracy: 0.5 + epoch / 100 } };
}

/** A run directory with the files a finished run writes: manifest, recipe, history, metrics, model (MLmodel), plots, report. */
export function writeRunDir(runsDir: string, name: string, recipe: Record<string, unknown>): { run: RunDirectory; started: number } {
  const run = RunDirectory.create(runsDir, name);
  const started = Date.now() - 60_000;
  const manifest: Manifest = {
    runId: run.runId,
    name,
    status: 'RUNNING',
    startedAt: new Date(started).toISOString(),
    seed: 42,
    recipe: { file: join(runsDir, '..', 'recipes', `${name}.json`), files: [] },
    runtime: { prd: '0.1.0', node: process.version, platform: `${process.platform}-${process.arch}`, cpus: 2 },
    plugins: [],
    steps: [],
  };
  run.writeJson('recipe.resolved.json', recipe);
  run.writeJson('manifest.json', manifest);
  return { run, started };
}

/** Finish the fixture run's directory: history, model files with an MLmodel of flavor prd_tfjs, metrics, plots, report. */
export function finishRunDir(run: RunDirectory, history: EpochRecord[], status: RunStatus, ended: number): void {
  run.writeHistory(history);
  const model = run.path('model');
  mkdirSync(model, { recursive: true });
  writeFileSync(join(model, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential' }, weightsManifest: [{ paths: ['weights.bin'], weights: [] }] }));
  writeFileSync(join(model, 'weights.bin'), randomBytes(300_000));
  writeFileSync(join(model, 'preprocessing.json'), JSON.stringify({ task: 'bands', scaler: { mean: [0, 1], std: [1, 2] } }));
  writeFileSync(
    join(model, 'MLmodel'),
    [
      'artifact_path: model',
      'flavors:',
      '  prd_tfjs:',
      '    format: tfjs_layers_model',
      '    model_json: model.json',
      '    preprocessing: preprocessing.json',
      '    tfjs_version: 4.22.0',
      `model_uuid: ${randomBytes(16).toString('hex')}`,
      `run_id: ${run.runId}`,
      `utc_time_created: '${new Date(ended).toISOString().replace('T', ' ').replace('Z', '000')}'`,
      '',
    ].join('\n'),
  );
  run.writeJson('metrics.json', SAMPLE_METRICS);
  mkdirSync(run.path('plots'), { recursive: true });
  writeFileSync(run.path('plots', 'learning-curve.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0L10 10"/></svg>');
  writeFileSync(run.path('plots', 'fss map.png'), randomBytes(20_000));
  writeFileSync(run.path('report.html'), '<!doctype html><title>report</title><img src="plots/learning-curve.svg">');
  const manifest = run.readJson<Manifest>('manifest.json');
  if (manifest) run.writeJson('manifest.json', { ...manifest, status, endedAt: new Date(ended).toISOString(), durationMs: ended - Date.parse(manifest.startedAt) });
}

/**
 * Drive trackers through a run the way core's runner does: runStarted awaited, epochEnded not awaited, the run
 * directory finished, then runEnded awaited. `between` runs after each epoch (a test kills its server there).
 */
export async function simulateRun(
  trackers: Tracker[],
  runsDir: string,
  options: { name: string; recipe: Record<string, unknown>; epochs: number; status?: RunStatus; between?: (epoch: number) => Promise<void> | void; epochMs?: number },
): Promise<{ run: RunDirectory; history: EpochRecord[]; trainingMs: number; endMs: number }> {
  const { run, started } = writeRunDir(runsDir, options.name, options.recipe);
  const tracked: TrackedRun = { runId: run.runId, runDir: run.dir, name: options.name, recipe: options.recipe, tags: { 'prd.run_id': run.runId, 'prd.recipe': `recipes/${options.name}.json`, 'mlflow.user': 'tester' }, startTime: started };
  await Promise.all(trackers.map((t) => t.runStarted?.(tracked)));
  const history: EpochRecord[] = [];
  const t0 = performance.now();
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    // Stand-in for an epoch of training: time passes, then the trainer reports.
    await new Promise((r) => setTimeout(r, options.epochMs ?? 20));
    const record = epochRecord(epoch, Date.now());
    history.push(record);
    for (const t of trackers) void t.epochEnded?.(record);
    await options.between?.(epoch);
  }
  const trainingMs = performance.now() - t0;
  const ended = Date.now();
  const status = options.status ?? 'FINISHED';
  finishRunDir(run, history, status, ended);
  const t1 = performance.now();
  await Promise.all(trackers.map((t) => t.runEnded?.({ status, runDir: run.dir, endTime: ended })));
  return { run, history, trainingMs, endMs: performance.now() - t1 };
}
