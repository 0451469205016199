import { writeFileSync } from 'node:fs';
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
});
