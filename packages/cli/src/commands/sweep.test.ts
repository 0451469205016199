import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, PRD_BIN, RECIPES, workDir } from '../test/cli.js';

/** recipes/hyperdrive-original.json made tiny: a few hundred rows, 3 trials of 4 epochs, no tracker. */
function tinyRecipe(dir: string, sweep: Record<string, unknown> = {}): string {
  const recipe = JSON.parse(readFileSync(join(RECIPES, 'hyperdrive-original.json'), 'utf8')) as Record<string, any>;
  recipe.$schema = join(RECIPES, 'recipe.schema.json');
  recipe.data.source.with = { events: 1, times: 2, cells: 20, members: 6 };
  recipe.train.epochs = 4;
  recipe.evaluate = [{ use: 'kl-divergence' }];
  recipe.sweep = { ...recipe.sweep, limits: { trials: 3, concurrency: 2 }, ...sweep };
  const file = join(dir, 'recipe.json');
  writeFileSync(file, JSON.stringify(recipe, null, 2));
  return file;
}

describe('prd sweep', () => {
  it('refuses a sweep whose values the recipe does not accept, before any trial runs, with the sweep line', () => {
    const dir = workDir();
    tinyRecipe(dir, { space: { 'train.batchSize': { distribution: 'uniform', min: 16, max: 128 } } });
    const result = prd(['sweep', 'recipe.json'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/recipe\.json:\d+:\d+: \/sweep\/space\/train\.batchSize: uniform can draw 57\.44 \(a draw\), which the recipe does not accept: \/train\/batchSize: expected integer/);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it('stops every trial on Ctrl-C and --resume finishes the sweep, continuing the interrupted trials', { timeout: 900_000 }, async () => {
    const dir = workDir();
    tinyRecipe(dir, { earlyTermination: undefined });
    const child = spawn(process.execPath, [PRD_BIN, 'sweep', 'recipe.json', '--progress', 'plain'], { cwd: dir, env: { ...process.env, CI: '1', NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    // Interrupt once a trial has reported an epoch.
    const sweepsDir = join(dir, 'runs', 'sweeps');
    const code = await new Promise<number | null>((resolve) => {
      const timer = setInterval(() => {
        try {
          const [id] = existsSync(sweepsDir) ? readdirSync(sweepsDir) : [];
          const state = id && JSON.parse(readFileSync(join(sweepsDir, id, 'sweep.json'), 'utf8'));
          if (state?.trials?.some((t: { epoch?: number }) => (t.epoch ?? 0) >= 1)) {
            clearInterval(timer);
            child.kill('SIGINT');
          }
        } catch {
          // sweep.json is written atomically; a missing one means not yet
        }
      }, 300);
      child.on('exit', (c) => {
        clearInterval(timer);
        resolve(c);
      });
    });
    expect(code, stderr).toBe(130);
    const [id] = readdirSync(sweepsDir) as string[];
    const before = JSON.parse(readFileSync(join(sweepsDir, id, 'sweep.json'), 'utf8'));
    expect(before.status).toBe('interrupted');
    const cut = before.trials.filter((t: { state: string }) => t.state === 'interrupted');
    expect(cut.length).toBeGreaterThan(0);

    const resumed = prd(['sweep', '--resume', id, '--json'], dir);
    expect(resumed.status, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout) as { status: string; trials: Array<{ number: number; state: string; runId: string; params: unknown }>; best: { recipe: string } };
    expect(summary.status).toBe('finished');
    expect(summary.trials.map((t) => t.state)).toEqual(['finished', 'finished', 'finished']);
    // the interrupted trials went on with their values, in their own runs when they had started one (the trial that
    // reported an epoch had; one launched a moment before Ctrl-C may not have)
    expect(cut.some((t: { runId?: string }) => t.runId)).toBe(true);
    for (const t of cut) {
      if (t.runId) expect(summary.trials[t.number - 1].runId).toBe(t.runId);
      expect(summary.trials[t.number - 1].params).toEqual(t.params);
    }
    // the best trial's recipe runs as it is
    const best = JSON.parse(readFileSync(summary.best.recipe, 'utf8'));
    expect(best.sweep).toBeNull();
    expect(prd(['validate', summary.best.recipe], dir).status).toBe(0);
  });
});
