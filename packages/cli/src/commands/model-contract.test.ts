import { cpSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prd, workDir } from '../test/cli.js';

// A small model written by prd before model contracts existed (contract 1: no contract.json), with rows and the
// predictions it gave then. Every later prd must load it and predict the same.
const FIXTURES = resolve(import.meta.dirname, '..', 'test', 'fixtures');

describe('a model of contract 1', () => {
  it('loads and predicts what it predicted when it was written', () => {
    const dir = workDir();
    cpSync(join(FIXTURES, 'model-contract-1'), join(dir, 'model'), { recursive: true });
    cpSync(join(FIXTURES, 'model-contract-1-rows.csv'), join(dir, 'rows.csv'));
    const result = prd(['predict', '--model', 'model', '--data', 'rows.csv', '--out', 'out.csv'], dir);
    expect(result.status, result.stderr).toBe(0);
    const parse = (text: string) => text.trim().split('\n').map((line) => line.split(','));
    const got = parse(readFileSync(join(dir, 'out.csv'), 'utf8'));
    const expected = parse(readFileSync(join(FIXTURES, 'model-contract-1-expected.csv'), 'utf8'));
    expect(got[0]).toEqual(expected[0]);
    expect(got.length).toBe(expected.length);
    const ml = expected[0]!.map((c, i) => (c.startsWith('ml_') ? i : -1)).filter((i) => i >= 0);
    for (let r = 1; r < expected.length; r++) {
      expect(got[r]!.slice(0, 4)).toEqual(expected[r]!.slice(0, 4));
      for (const i of ml) expect(Number(got[r]![i])).toBeCloseTo(Number(expected[r]![i]), 6);
    }
  });
});
