import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';

const uri = process.env.MLFLOW_TEST_URI?.replace(/\/+$/, '');

async function mlflow<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${uri}/api/2.0/mlflow/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface MlflowRun {
  info: { run_id: string; status: string };
  data: { params?: Array<{ key: string; value: string }>; tags?: Array<{ key: string; value: string }> };
}
const tag = (run: MlflowRun, key: string) => run.data.tags?.find((t) => t.key === key)?.value;
const param = (run: MlflowRun, key: string) => run.data.params?.find((p) => p.key === key)?.value;

describe.skipIf(!uri)('prd sweep with a real MLflow server', () => {
  it('12 trials, 2 at a time: one parent run and 12 nested children with params and metric histories; early stops explained; split and scale once; the best model registered', { timeout: 1_800_000 }, async () => {
    const dir = workDir();
    const experiment = `prd-sweep-${Date.now()}-${randomBytes(3).toString('hex')}`;
    const model = `${experiment}-best`;
    const recipe = JSON.parse(readFileSync(join(RECIPES, 'hyperdrive-original.json'), 'utf8')) as Record<string, any>;
    recipe.$schema = join(RECIPES, 'recipe.schema.json');
    recipe.data.source.with = { events: 1, times: 2, cells: 20, members: 6 };
    recipe.train.epochs = 4;
    recipe.evaluate = [{ use: 'kl-divergence' }];
    recipe.track = [{ use: 'mlflow', with: { uri, experiment, registerAs: model } }];
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify(recipe, null, 2));

    const result = prd(['sweep', 'recipe.json', '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      sweepDir: string;
      trials: Array<{ number: number; state: string; params: Record<string, number>; runId: string; epoch: number; stoppedBy?: { rule: string; reason: string } }>;
      best: { trial: number; runId: string };
      registered: string[];
    };
    expect(summary.trials).toHaveLength(12);
    expect(summary.trials.every((t) => t.state === 'finished' || t.state === 'early-stopped')).toBe(true);
    const stopped = summary.trials.filter((t) => t.state === 'early-stopped');
    expect(stopped.length).toBeGreaterThan(0);
    for (const t of stopped) expect(t.stoppedBy?.reason).toMatch(/^val_loss .* at epoch 2 is outside slack factor 0\.1 of the best at that epoch/);

    // the split and scale steps ran in one trial; the other eleven took them from the shared cache
    const manifests = summary.trials.map((t) => JSON.parse(readFileSync(join(dir, 'runs', t.runId, 'manifest.json'), 'utf8')) as { steps: Array<{ step?: string; name?: string; cached: boolean }> });
    for (const step of ['split', 'scale']) {
      expect(manifests.filter((m) => m.steps.some((s) => (s.step ?? s.name) === step && !s.cached)).length).toBe(1);
    }
    expect(readdirSync(join(dir, '.prd', 'cache', 'split'))).toHaveLength(1);

    // MLflow: one parent, twelve children under it, each with its values as params and its val_loss per epoch
    const { experiment: exp } = await mlflow<{ experiment: { experiment_id: string } }>(`experiments/get-by-name?experiment_name=${encodeURIComponent(experiment)}`);
    const { runs } = await mlflow<{ runs: MlflowRun[] }>('runs/search', { experiment_ids: [exp.experiment_id], max_results: 100 });
    const parents = runs.filter((r) => tag(r, 'prd.kind') === 'sweep');
    expect(parents).toHaveLength(1);
    const parent = parents[0];
    expect(parent.info.status).toBe('FINISHED');
    const children = runs.filter((r) => tag(r, 'mlflow.parentRunId') === parent.info.run_id);
    expect(children).toHaveLength(12);
    for (const t of summary.trials) {
      const child = children.find((c) => tag(c, 'prd.run_id') === t.runId)!;
      expect(child, `trial ${t.number}`).toBeDefined();
      expect(tag(child, 'prd.sweep_trial')).toBe(String(t.number));
      expect(Number(param(child, 'train.batchSize'))).toBe(t.params['train.batchSize']);
      expect(Number(param(child, 'train.optimizer.adam.learningRate'))).toBe(t.params['train.optimizer.adam.learningRate']);
      expect(child.info.status).toBe(t.state === 'finished' ? 'FINISHED' : 'KILLED');
      const history = await mlflow<{ metrics?: Array<{ step: number }> }>(`metrics/get-history?run_id=${child.info.run_id}&metric_key=val_loss`);
      expect((history.metrics ?? []).map((m) => m.step).sort()).toEqual(Array.from({ length: t.epoch }, (_, i) => i + 1));
    }

    // the best trial's model, and only it, is registered
    const best = children.find((c) => tag(c, 'prd.run_id') === summary.best.runId)!;
    const mine = await mlflow<{ model_versions?: Array<{ run_id: string }> }>(`model-versions/search?filter=${encodeURIComponent(`name='${model}'`)}`);
    expect((mine.model_versions ?? []).map((v) => v.run_id)).toEqual([best.info.run_id]);
    expect(summary.registered.join(' ')).toMatch(/registered model/);
  });
});
