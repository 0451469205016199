import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataEngine, literal } from '../data/engine.js';
import type { ResolvedFeatures } from '../data/features.js';
import { dataSummary } from './data-summary.js';

let engine: DataEngine;
beforeAll(async () => {
  engine = await DataEngine.open();
});
afterAll(() => engine.close());

describe('data summary for the distribution figures', () => {
  it('counts the wettest band (first on ties), means, quartiles and rows above each level, per split and after rebalancing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-summary-'));
    // Two bands; train rows (a, b): (1, 0), (0.5, 0.5) tie -> band 0, (0.2, 0.8); one validation row (0, 1).
    await engine.run(`COPY (SELECT * FROM (VALUES ('train', 1.0, 0.0, 0.9, 0.1), ('train', 0.5, 0.5, 0.5, 0.5), ('train', 0.2, 0.8, 0.1, 0.9), ('validation', 0.0, 1.0, 0.0, 1.0)) AS t(split, a, b, na, nb)) TO ${literal(join(dir, 'rows.parquet'))} (FORMAT parquet)`);
    await engine.run(`COPY (SELECT * FROM (VALUES (0.2, 0.8), (0.2, 0.8)) AS t(a, b)) TO ${literal(join(dir, 'train.parquet'))} (FORMAT parquet)`);
    const features = {
      task: 'bands', bands: [{ key: 'x', lower: 0, upper: 1 }, { key: 'y', lower: 1, upper: 2 }], targetSources: [['a'], ['b']],
      baseline: { kind: 'columns', columns: ['na', 'nb'] },
    } as unknown as ResolvedFeatures;
    const summary = (await dataSummary(engine, { sql: `SELECT * FROM read_parquet(${literal(join(dir, 'rows.parquet'))})` }, dir, features))!;
    expect(summary.bands).toEqual(['x', 'y']);
    expect(summary.truth.train).toMatchObject({ rows: 3, wettest: [2, 1] });
    expect(summary.truth.train.mean[0]).toBeCloseTo(1.7 / 3, 12);
    expect(summary.truth.train.box[1]).toEqual({ min: 0, q1: 0.25, median: 0.5, q3: 0.65, max: 0.8 });
    // Levels 1e-6, 0.001, 0.01, 0.1, 0.5, 0.95: band x values 1, 0.5, 0.2 -> above 0.5 only the 1.
    expect(summary.truth.train.above.map((counts) => counts[0])).toEqual([3, 3, 3, 3, 1, 1]);
    expect(summary.truth.validation).toMatchObject({ rows: 1, wettest: [0, 1] });
    expect(summary.truth.test).toBeUndefined();
    expect(summary.nwp.train.wettest).toEqual([2, 1]);
    expect(summary.rebalanced).toMatchObject({ rows: 2, wettest: [0, 2] });
    expect(await dataSummary(engine, { sql: 'SELECT 1' }, undefined, { ...features, task: 'regression' })).toBeUndefined();
  });
});
