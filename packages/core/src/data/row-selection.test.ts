import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunEvents } from '../run/events.js';
import { transformData } from '../run/steps/prepare.js';
import type { StepEnv } from '../run/context.js';
import { rowFilter, type Transform } from '../plugin/contract.js';
import { DataEngine, literal, type Relation } from './engine.js';
import { selectRows } from './row-selection.js';

let engine: DataEngine;
let files: string[];
let numbered: Relation;
beforeAll(async () => {
  engine = await DataEngine.open({ threads: 2 });
  const dir = mkdtempSync(join(tmpdir(), 'prd-selection-data-'));
  // Two files of 50 rows: x is missing in every seventh row, y counts 0..99 across both.
  files = [0, 1].map((f) => join(dir, `part-${f}.parquet`));
  for (const [f, file] of files.entries()) {
    const values = Array.from({ length: 50 }, (_, i) => `(${f * 50 + i}, ${(f * 50 + i) % 7 === 0 ? 'NULL' : `${i * 0.5}::DOUBLE`})`);
    await engine.run(`COPY (SELECT * FROM (VALUES ${values.join(', ')}) v(y, x)) TO ${literal(file)} (FORMAT parquet)`);
  }
  const list = `[${files.map(literal).join(', ')}]`;
  numbered = { sql: `SELECT * EXCLUDE (file_row_number), (file_index::BIGINT << 32) | file_row_number AS __pos FROM read_parquet(${list}, file_row_number = true)` };
});
afterAll(() => engine.close());

const ys = async (relation: Relation) => (await engine.rows<{ y: number }>(`SELECT y FROM (${relation.sql}) ORDER BY y`)).map((r) => r.y);
const plain = async (conditions: string[]) => ys({ sql: `SELECT * FROM (${numbered.sql}) WHERE ${conditions.map((c) => `(${c})`).join(' AND ')}` });

describe('selectRows', () => {
  it('reads back exactly the rows the conditions keep, without the position column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-selection-'));
    const conditions = ['x IS NOT NULL', 'y >= 10 AND y < 90'];
    const selection = await selectRows(engine, numbered, 'fp', conditions, dir);
    expect(selection.reused).toBe(false);
    expect(await ys(selection.relation)).toEqual(await plain(conditions));
    expect(selection.rows).toBe((await plain(conditions)).length);
    expect((await engine.columns(selection.relation)).map((c) => c.name)).toEqual(['y', 'x']);
  });

  it('is reused for the same data and conditions, and computed again for others or when asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-selection-'));
    expect((await selectRows(engine, numbered, 'fp', ['x IS NOT NULL'], dir)).reused).toBe(false);
    expect((await selectRows(engine, numbered, 'fp', ['x IS NOT NULL'], dir)).reused).toBe(true);
    expect((await selectRows(engine, numbered, 'fp', ['x IS NOT NULL'], dir, false)).reused).toBe(false);
    const other = await selectRows(engine, numbered, 'fp', ['x IS NULL'], dir);
    expect(other.reused).toBe(false);
    expect(await ys(other.relation)).toEqual(await plain(['x IS NULL']));
    // Changed data (another fingerprint) is another selection.
    expect((await selectRows(engine, numbered, 'fp2', ['x IS NOT NULL'], dir)).reused).toBe(false);
    expect(readdirSync(join(dir, 'selections')).filter((f) => f.endsWith('.parquet'))).toHaveLength(3);
    expect(readdirSync(join(dir, 'selections')).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('does not trust a selection file whose digest no longer matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-selection-'));
    await selectRows(engine, numbered, 'fp', ['x IS NOT NULL'], dir);
    const file = readdirSync(join(dir, 'selections')).find((f) => f.endsWith('.parquet'))!;
    // A valid Parquet file of other positions in its place: reading it would silently give other rows.
    await engine.run(`COPY (SELECT __pos FROM (${numbered.sql}) WHERE y < 3) TO ${literal(join(dir, 'selections', file))} (FORMAT parquet)`);
    const again = await selectRows(engine, numbered, 'fp', ['x IS NOT NULL'], dir);
    expect(again.reused).toBe(false);
    expect(await ys(again.relation)).toEqual(await plain(['x IS NOT NULL']));
    // A damaged index is not trusted either.
    writeFileSync(join(dir, 'selections', file.replace('.parquet', '.json')), '{');
    expect((await selectRows(engine, numbered, 'fp', ['x IS NOT NULL'], dir)).reused).toBe(false);
  });
});

describe('the transform step with a numbered source', () => {
  const source = () => ({ relation: { sql: `SELECT * FROM read_parquet([${files.map(literal).join(', ')}])` }, numbered, fingerprint: 'fp', description: 'two files' });
  const derive: Transform = { apply: (input) => ({ sql: `SELECT *, y * 2 AS y2 FROM (${input.sql})` }) };
  const env = (transforms: Transform[], tempDir: string, events = new RunEvents()) =>
    ({
      engine,
      spec: { profile: [], singleLevel: ['x'], target: { column: 'y' }, metadata: [] },
      events,
      cache: { enabled: true },
      pluginContext: { seed: 1, baseDir: tempDir, tempDir, pointer: '', events },
      instances: { transforms: transforms.map((instance, i) => ({ use: `t${i}`, slot: `/data/transforms/${i}`, instance })), domain: { instance: { bandSets: {}, defaults: { metadata: [], targetSource: '', nwpSource: '' }, mlPrefix: (p: string) => `ml_${p}` } } },
    }) as unknown as StepEnv;
  const loaded = async () => ({ source: source(), columns: await engine.columns(source().relation) });

  it('remembers the leading filters, applies the rest over the kept rows, and gives the same rows as without', async () => {
    const tempDir = mkdtempSync(join(tmpdir(), 'prd-transform-'));
    const transforms = [rowFilter(() => 'x IS NOT NULL'), rowFilter(() => 'y < 80'), derive, rowFilter(() => 'y2 > 20')];
    const remembered = await transformData(env(transforms, tempDir), await loaded());
    const lazy = await transformData(env(transforms, tempDir), await loaded(), false);
    expect(remembered.sql).toContain('__pos');
    expect(lazy.sql).not.toContain('__pos');
    const rows = (r: Relation) => engine.rows(`SELECT * FROM (${r.sql}) ORDER BY y`);
    expect(await rows(remembered)).toEqual(await rows(lazy));
    expect((await rows(lazy)).length).toBe((await plain(['x IS NOT NULL', 'y < 80', 'y * 2 > 20'])).length);
    // Only the two leading filters are in the selection: the one after the derived column is applied as written.
    expect(readdirSync(join(tempDir, 'selections')).filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
  });

  it('remembers nothing when the first transform is not a filter, or when only planning', async () => {
    const tempDir = mkdtempSync(join(tmpdir(), 'prd-transform-'));
    expect((await transformData(env([derive, rowFilter(() => 'x IS NOT NULL')], tempDir), await loaded())).sql).not.toContain('__pos');
    expect((await transformData(env([rowFilter(() => 'x IS NOT NULL')], tempDir), await loaded(), false)).sql).not.toContain('__pos');
    expect(readdirSync(tempDir)).toEqual([]);
  });
});
