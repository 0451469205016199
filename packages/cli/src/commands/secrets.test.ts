import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';
import type { RunSummary } from './run.js';

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('credentials written literally in a recipe (issue 16, reproduction 2)', () => {
  it('are masked in every file of the run directory, the tracker ledger included, and in the output', { timeout: 600_000 }, () => {
    const dir = workDir();
    // A tracker whose server is not there (port 9, discard): the run still finishes, and writes its ledger.
    const track = [{ use: 'mlflow', with: { uri: 'http://bob:PW-secret-1@127.0.0.1:9/?token=T0KEN-secret-2', password: 'PASSWORD-secret-3', experiment: 'e', retries: 0, drainTimeoutMs: 0, timeoutMs: 200 } }];
    const small = ['--set', 'train.epochs=1', '--set', 'data.source.with.cells=40', '--set', 'data.source.with.times=2', '--set', 'data.source.with.members=3', '--set', 'explain=[]'];
    const result = prd(['run', join(RECIPES, 'quickstart.json'), ...small, '--set', `track=${JSON.stringify(track)}`, '--json', '--progress', 'plain'], dir);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    const files = filesUnder(summary.runDir).filter((f) => !/\.(bin|png|parquet|f32)$/.test(f));
    const names = files.map((f) => f.slice(summary.runDir.length + 1));
    expect(names).toEqual(expect.arrayContaining(['recipe.resolved.json', 'report.html', 'manifest.json', expect.stringMatching(/^tracking\/mlflow-.*\.json$/)]));
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const secret of ['PW-secret-1', 'T0KEN-secret-2', 'PASSWORD-secret-3']) expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
    }
    for (const secret of ['PW-secret-1', 'T0KEN-secret-2', 'PASSWORD-secret-3']) expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    // The saved recipe shows where a secret was, masked.
    const saved = JSON.parse(readFileSync(join(summary.runDir, 'recipe.resolved.json'), 'utf8')) as { track: Array<{ with: Record<string, string> }> };
    expect(saved.track[0].with).toMatchObject({ uri: 'http://bob:***@127.0.0.1:9/?token=***', password: '***' });
  });
});
