import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRD_BIN, prd, RECIPES, workDir } from '../test/cli.js';

// One tiny trained model, served; its answers are checked against `prd predict` on the same rows.
const dir = workDir();
let base = '';
let stop: () => void = () => undefined;
let csvFile = '';

beforeAll(async () => {
  const run = prd(['run', join(RECIPES, 'quickstart.json'), '--set', 'train.epochs=1', '--set', 'data.source.with.cells=40', '--set', 'data.source.with.times=2', '--set', 'explain=[]', '--json', '--progress', 'none'], dir);
  expect(run.status, run.stderr).toBe(0);
  const runDir = (JSON.parse(run.stdout) as { runDir: string }).runDir;
  expect(prd(['data', 'synth', '--out', 'data', '--events', '1', '--times', '1', '--cells', '3', '--members', '2', '--seed', '7'], dir).status).toBe(0);
  const event = readdirSync(join(dir, 'data'))[0]!;
  csvFile = join(dir, 'data', event, readdirSync(join(dir, 'data', event)).find((f) => f.endsWith('.csv'))!);
  expect(prd(['predict', '--model', runDir, '--data', csvFile, '--out', 'predicted.csv'], dir).status).toBe(0);
  const child = spawn(process.execPath, [PRD_BIN, 'serve', '--model', runDir, '--port', '0'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  stop = () => child.kill('SIGTERM');
  base = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /at (http:\/\/[\d.]+:\d+)\/invocations/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`prd serve exited with ${code}: ${err}`)));
  });
}, 600_000);

afterAll(() => stop());

const post = (body: string, type = 'application/json') => fetch(`${base}/invocations`, { method: 'POST', body, headers: { 'content-type': type } });

describe('prd serve', () => {
  it('answers a CSV of raw rows with the same band fractions as prd predict', async () => {
    const response = await post(readFileSync(csvFile, 'utf8'), 'text/csv');
    expect(response.status).toBe(200);
    const { predictions } = (await response.json()) as { predictions: Array<Record<string, number>> };
    const predicted = readFileSync(join(dir, 'predicted.csv'), 'utf8').trim().split('\n');
    const header = predicted[0]!.split(',');
    const mlColumns = header.filter((c) => c.startsWith('ml_'));
    expect(Object.keys(predictions[0]!)).toEqual(mlColumns);
    // Same rows, maybe in another order: compare the sorted first band fraction of every row.
    const first = header.indexOf(mlColumns[0]!);
    const expected = predicted.slice(1).map((line) => Number(line.split(',')[first])).sort();
    expect(predictions.length).toBe(expected.length);
    const got = predictions.map((p) => p[mlColumns[0]!]!).sort();
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('takes MLflow JSON shapes and says which column is missing or which value is not finite', async () => {
    const meta = (await (await fetch(`${base}/metadata`)).json()) as { inputs: string[] };
    const row = Object.fromEntries(meta.inputs.map((c) => [c, 1]));
    const split = { dataframe_split: { columns: meta.inputs, data: [meta.inputs.map(() => 1)] } };
    const a = (await (await post(JSON.stringify({ dataframe_records: [row] }))).json()) as { predictions: unknown[] };
    const b = (await (await post(JSON.stringify(split))).json()) as { predictions: unknown[] };
    expect(a.predictions).toEqual(b.predictions);

    const { [meta.inputs[2]!]: _dropped, ...lacking } = row;
    const missing = await post(JSON.stringify({ dataframe_records: [lacking] }));
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { details: string[] }).details).toEqual([`no column "${meta.inputs[2]}"`]);

    const infinite = await post(JSON.stringify({ dataframe_split: { columns: meta.inputs, data: [meta.inputs.map((_, i) => (i === 4 ? 'inf' : 1))] } }));
    expect(infinite.status).toBe(400);
    expect(((await infinite.json()) as { details: string[] }).details).toEqual([`row 0, column "${meta.inputs[4]}": "inf" is not a finite number`]);

    expect((await post('{"rows": []}')).status).toBe(400);
    expect((await post('a,b', 'application/xml')).status).toBe(415);
    expect((await fetch(`${base}/ping`)).status).toBe(200);
  });
});
