// What the MLflow tracker costs a run, measured in one process against a real server.
// Usage: node plugins/tracker-mlflow/scripts/measure.mjs <tracking-uri> [epochs=20] [epoch-ms=200]
// Each epoch blocks the event loop for epoch-ms of busy work, as tfjs training does, so the tracker's background
// sends compete with "training" exactly as in a real run. Builds on dist/: run `npx tsc -b plugins/tracker-mlflow/tsconfig.lib.json` first.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunDirectory, RunEvents } from '@prd/core';
import { mlflowTracker } from '../dist/index.js';

const [uri = process.env.MLFLOW_TEST_URI, epochs = '20', epochMs = '200'] = process.argv.slice(2);
if (!uri) throw new Error('usage: measure.mjs <tracking-uri> [epochs] [epoch-ms]');
const E = Number(epochs);
const MS = Number(epochMs);

function busy(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}

async function oneRun(label, target) {
  const runsDir = mkdtempSync(join(tmpdir(), 'prd-measure-'));
  const run = RunDirectory.create(runsDir, 'measure');
  const started = Date.now();
  run.writeJson('manifest.json', { runId: run.runId, name: 'measure', status: 'RUNNING', startedAt: new Date(started).toISOString(), recipe: { file: 'measure.json', files: [] } });
  run.writeJson('recipe.resolved.json', { name: 'measure', train: { epochs: E } });
  const events = new RunEvents();
  const tracker = target ? await mlflowTracker.create({ uri: target, experiment: `measure-${label}`, registerAs: `measure-${label}`, alias: 'champion' }, { seed: 1, baseDir: runsDir, pointer: '/track/0', events, tempDir: runsDir }) : undefined;
  const t0 = performance.now();
  await tracker?.runStarted({ runId: run.runId, runDir: run.dir, name: 'measure', recipe: { name: 'measure', train: { epochs: E } }, tags: {}, startTime: started });
  let hookMs = 0;
  for (let epoch = 1; epoch <= E; epoch++) {
    busy(MS);
    // Let pending I/O callbacks run between epochs, as a trainer does between batches.
    await new Promise((r) => setImmediate(r));
    const h = performance.now();
    tracker?.epochEnded({ epoch, timestamp: Date.now(), durationMs: MS, learningRate: 0.001, metrics: { loss: 1 / epoch, val_loss: 1.1 / epoch, accuracy: epoch / E, val_accuracy: epoch / E } });
    hookMs += performance.now() - h;
  }
  const trainMs = performance.now() - t0;
  mkdirSync(run.path('model'), { recursive: true });
  writeFileSync(run.path('model', 'MLmodel'), 'artifact_path: model\nflavors:\n  prd_tfjs:\n    model_json: model.json\n');
  writeFileSync(run.path('model', 'model.json'), '{}');
  writeFileSync(run.path('model', 'weights.bin'), Buffer.alloc(730_000));
  writeFileSync(run.path('metrics.json'), JSON.stringify({ test: { fss: { '0.5': { ml: 0.5, nwp: 0.4 } } } }));
  mkdirSync(run.path('plots'), { recursive: true });
  for (let i = 0; i < 40; i++) writeFileSync(run.path('plots', `p${i}.svg`), Buffer.alloc(20_000, 32));
  const t1 = performance.now();
  await tracker?.runEnded({ status: 'FINISHED', runDir: run.dir, endTime: Date.now() });
  const endMs = performance.now() - t1;
  return { label, trainMs, hookMsPerEpoch: hookMs / E, endMs, stats: tracker?.lastStats };
}

const none = await oneRun('none');
const live = await oneRun('live', uri);
const down = await oneRun('down', 'http://127.0.0.1:9');
const none2 = await oneRun('none');
const base = (none.trainMs + none2.trainMs) / 2;
for (const r of [none, live, down, none2]) {
  console.log(
    `${r.label.padEnd(5)} training ${r.trainMs.toFixed(0)} ms (x${(r.trainMs / base).toFixed(3)} of no tracker), epochEnded ${r.hookMsPerEpoch.toFixed(3)} ms/call, end of run ${r.endMs.toFixed(0)} ms` +
      (r.stats ? `, ${r.stats.requests} requests (${r.stats.retries} retries): ${JSON.stringify(r.stats.byPath)}` : ''),
  );
}
