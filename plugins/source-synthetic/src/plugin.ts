import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin, hashOf, literal, type DataContext, type DataSource, type SourceData, type SourceOutline, useDerivedFile } from '@prd/core';
import { syntheticEvents, syntheticRowCount, syntheticSql, SYNTHETIC_MAX_CELLS, type SyntheticOptions } from '@prd/precip';
import { Type, type Static } from '@sinclair/typebox';

/** Options of the `synthetic` source. */
export const SyntheticSourceOptions = Type.Object(
  {
    seed: Type.Integer({ default: 1, description: 'Seeds the generator (not the recipe seed, so that changing the split seed keeps the data).' }),
    events: Type.Union([Type.Integer({ minimum: 1, maximum: 100 }), Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }), { minItems: 1, uniqueItems: true })], {
      default: 2,
      description: 'Number of events, or their names.',
    }),
    times: Type.Integer({ minimum: 1, maximum: 400, default: 4, description: 'Validity times per event, 6 hours apart.' }),
    cells: Type.Integer({ minimum: 1, maximum: SYNTHETIC_MAX_CELLS, default: 300, description: `Grid cells per time (the seed's MOGREPS-G grid has ${SYNTHETIC_MAX_CELLS}).` }),
    members: Type.Integer({ minimum: 1, maximum: 35, default: 18, description: 'Ensemble members per cell (MOGREPS-G has 18).' }),
  },
  { additionalProperties: false },
);

/** Resolved options of the `synthetic` source. */
export type SyntheticSourceOptions = Static<typeof SyntheticSourceOptions>;

/**
 * Open a synthetic dataset: the rows are generated once into a Parquet file under the run's temporary directory,
 * named by a hash of the generator's SQL, so later runs (and every step of this one) read it back instead of
 * generating it again.
 */
export async function openSynthetic(options: SyntheticSourceOptions, ctx: DataContext): Promise<SourceData> {
  const generator: SyntheticOptions = { ...options };
  const sql = syntheticSql(generator);
  const fingerprint = hashOf({ synthetic: sql });
  const dir = join(ctx.tempDir, 'synthetic');
  const path = join(dir, `${fingerprint}.parquet`);
  const rows = syntheticRowCount(generator);
  // Marked used before it is looked at, so a `prd cache prune` running now keeps it.
  useDerivedFile(ctx.tempDir, path);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    ctx.events.log(`generating ${rows.toLocaleString('en')} synthetic rows`);
    try {
      await ctx.engine.toParquet({ sql }, partial);
      renameSync(partial, path);
    } finally {
      rmSync(partial, { force: true });
    }
  }
  const events = syntheticEvents(generator);
  return {
    relation: { sql: `SELECT * FROM read_parquet(${literal(path)})` },
    // A row's position in the generated file: what prd remembers the filters' rows by.
    numbered: { sql: `SELECT * EXCLUDE (file_row_number), file_row_number AS __pos FROM read_parquet(${literal(path)}, file_row_number = true)` },
    fingerprint,
    description: `synthetic: ${events.length} event${events.length > 1 ? 's' : ''} x ${options.times} times x ${options.cells} cells x ${options.members} members (${rows.toLocaleString('en')} rows)`,
  };
}

/** The generator's columns, from the description of its query (no row is generated), for `prd validate`. */
export async function outlineSynthetic(options: SyntheticSourceOptions, ctx: DataContext): Promise<SourceOutline> {
  const columns = await ctx.engine.columns({ sql: syntheticSql({ ...options }) });
  return { columns: columns.map((c) => c.name), description: `synthetic: ${syntheticRowCount({ ...options }).toLocaleString('en')} rows` };
}

/** `data.source: { use: "synthetic" }`: NWP ensemble profiles and radar truth in the seed's merged-CSV schema. */
export const syntheticSource = definePlugin({
  kind: 'source',
  name: 'synthetic',
  description: "Generated MOGREPS-G-like ensemble profiles and radar band fractions in the seed's 233-column schema (plus `event`).",
  options: SyntheticSourceOptions,
  create(options): DataSource {
    return { open: (ctx) => openSynthetic(options, ctx), outline: (ctx) => outlineSynthetic(options, ctx) };
  },
});
