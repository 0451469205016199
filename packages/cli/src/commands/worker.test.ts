import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';

describe('prd worker', () => {
  it('runs a run job and streams its events and result as JSON lines', { timeout: 600_000 }, () => {
    const dir = workDir();
    const job = {
      prdJob: 1,
      kind: 'run',
      recipe: join(RECIPES, 'quickstart.json'),
      set: ['train.epochs=1', 'data.source.with.cells=40', 'data.source.with.times=2', 'explain=[]'],
      runsDir: 'runs',
      cacheDir: 'cache',
      tags: { 'prd.sweep': 's1' },
    };
    writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
    const result = prd(['worker', 'job.json'], dir);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; event?: { type: string }; result?: { status: string; runDir: string } });
    expect(lines.some((l) => l.type === 'event' && l.event?.type === 'epoch')).toBe(true);
    const last = lines.at(-1)!;
    expect(last.type).toBe('result');
    expect(last.result?.status).toBe('FINISHED');
    expect(last.result?.runDir.startsWith(join(dir, 'runs'))).toBe(true);
  });

  it('reports a bad job file as an error line with exit code 2', () => {
    const dir = workDir();
    writeFileSync(join(dir, 'job.json'), JSON.stringify({ prdJob: 1, kind: 'nope', recipe: 'x.json' }));
    const result = prd(['worker', 'job.json'], dir);
    expect(result.status).toBe(2);
    const line = JSON.parse(result.stdout.trim()) as { type: string; message: string };
    expect(line).toMatchObject({ type: 'error' });
    expect(line.message).toMatch(/unknown job kind "nope"/);
  });

  it('trains the quickstart model from a train job in a child process, with the weights of in-process training', { timeout: 900_000 }, () => {
    const dir = workDir();
    const small = ['--set', 'train.epochs=2', '--set', 'data.source.with.cells=40', '--set', 'data.source.with.times=2', '--set', 'explain=[]', '--cache-dir', 'cache', '--json'];
    const inProcess = prd(['run', join(RECIPES, 'quickstart.json'), ...small], dir);
    expect(inProcess.status, inProcess.stderr).toBe(0);
    const runDir = (JSON.parse(inProcess.stdout) as { runDir: string }).runDir;
    const weights = (folder: string) => {
      const bytes = readFileSync(join(folder, 'weights.bin'));
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    };
    const expectSameWeights = (a: Float32Array, b: Float32Array) => {
      expect(a.length).toBe(b.length);
      let worst = 0;
      a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[i]))));
      expect(worst).toBeLessThan(1e-6);
    };

    // The same training as a job file, run by `prd worker` on its own.
    const recipe = JSON.parse(readFileSync(join(runDir, 'recipe.resolved.json'), 'utf8')) as { model: { use: string; with: Record<string, unknown> }; compute: { use: string; with: Record<string, unknown> }; train: Record<string, unknown>; seed: number };
    const manifest = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as { steps: Array<{ name: string; key?: string; summary?: { layout: Record<string, number>; task: string } }> };
    const scale = manifest.steps.find((s) => s.name === 'scale')!;
    const entry = join(dir, 'cache', 'scale', scale.key!);
    const job = {
      prdJob: 1,
      kind: 'train',
      backend: recipe.compute,
      train: {
        model: recipe.model,
        shape: { ...scale.summary!.layout, task: scale.summary!.task },
        train: join(entry, 'train.f32'),
        validation: join(entry, 'validation.f32'),
        config: recipe.train,
        seed: recipe.seed,
        modelDir: 'worker-model',
        checkpointDir: 'worker-checkpoints',
        resume: false,
      },
    };
    writeFileSync(join(dir, 'train-job.json'), JSON.stringify(job, null, 2));
    const worker = prd(['worker', 'train-job.json'], dir);
    expect(worker.status, worker.stderr).toBe(0);
    const lines = worker.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; event?: { type: string }; result?: { history: unknown[]; saved: { format: string } } });
    expect(lines.filter((l) => l.type === 'event' && l.event?.type === 'epoch')).toHaveLength(2);
    expect(lines.at(-1)).toMatchObject({ type: 'result', result: { history: [{ epoch: 1 }, { epoch: 2 }], saved: { format: 'tfjs_layers_model' } } });
    expectSameWeights(weights(join(dir, 'worker-model')), weights(join(runDir, 'model')));

    // And the local backend's child-process mode, which writes such a job and relays the worker's events.
    const child = prd(['run', join(RECIPES, 'quickstart.json'), ...small, '--set', 'compute.with.process=child', '--progress', 'plain'], dir);
    expect(child.status, child.stderr).toBe(0);
    expect(child.stderr).toMatch(/epoch 2\/2/);
    expect(child.stderr).toMatch(/✓ train .*runtime=fused wasm-simd/);
    expectSameWeights(weights(join((JSON.parse(child.stdout) as { runDir: string }).runDir, 'model')), weights(join(runDir, 'model')));
  });
});
