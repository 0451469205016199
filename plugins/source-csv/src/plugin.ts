import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin, literal, SEED_TEXT_COLUMNS, translateReadError, type DataContext, type DataSource, type SourceData } from '@prd/core';
import { Type, type Static } from '@sinclair/typebox';
import { diagnoseTimestampError } from './diagnose.js';
import { describeFiles, expandPaths, filesFingerprint } from './files.js';
import { readLayout, tableSql, type ReadOptions, type TableLayout } from './read.js';

/** Options of the `csv` source. */
export const CsvSourceOptions = Type.Object(
  {
    paths: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      default: ['**/prd_merged_*.csv'],
      description: "Files, directories or globs (`**` for any depth), relative to the recipe's directory; .csv and .parquet.",
    }),
    event: Type.Union([Type.Literal('directory'), Type.Literal('file')], {
      default: 'directory',
      description: "Where the `event` column comes from: the file's directory (the seed's <event_name>/prd_merged_*.csv) or its name.",
    }),
    textColumns: Type.Array(Type.String(), { default: ['forecast_period'], description: 'Columns kept as text; every other column must hold numbers.' }),
    timeColumns: Type.Array(Type.String(), { default: ['time', 'forecast_reference_time'], description: 'Columns parsed as times (YYYY-MM-DD HH:MM:SS, or YYYY-MM-DD for midnight).' }),
    cache: Type.Boolean({
      default: true,
      description: 'Convert the CSV files to one Parquet file once (checked for bad values up front, fast to read again); false reads the CSV files on each use.',
    }),
  },
  { additionalProperties: false },
);

/** Resolved options of the `csv` source. */
export type CsvSourceOptions = Static<typeof CsvSourceOptions>;

// Bump when the converted file's content would change for the same inputs.
const CACHE_FORMAT = 3;

/** Open the seed's merged files (CSV or Parquet) as one typed relation with an `event` column. */
export async function openCsv(options: CsvSourceOptions, ctx: DataContext): Promise<SourceData> {
  const pointer = `${ctx.pointer}/with`;
  const files = await expandPaths(ctx.engine, options.paths, ctx.baseDir, pointer);
  const layout = await readLayout(ctx.engine, files);
  const read: ReadOptions = { event: options.event, textColumns: [...options.textColumns], timeColumns: [...options.timeColumns] };
  for (const column of SEED_TEXT_COLUMNS) if (!read.textColumns.includes(column) && !read.timeColumns.includes(column)) read.textColumns.push(column);
  const sql = tableSql(layout, read);
  const fingerprint = filesFingerprint(files, { read, format: CACHE_FORMAT });
  const description = describeFiles(files, ctx.baseDir);
  const paths = files.map((f) => f.path);
  if (!options.cache || files.every((f) => f.format === 'parquet')) {
    await checkTimes(ctx, sql, layout, read);
    return { relation: { sql }, fingerprint, description, files: paths };
  }
  const dir = join(ctx.tempDir, 'csv');
  const cached = join(dir, `${fingerprint}.parquet`);
  if (!existsSync(cached)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${cached}.${process.pid}.partial`;
    ctx.events.log(`converting ${description} to Parquet (once; later runs reuse it)`);
    try {
      await ctx.engine.toParquet({ sql }, partial);
      renameSync(partial, cached);
    } catch (error) {
      throw (await readFailure(error, layout)) ?? error;
    } finally {
      rmSync(partial, { force: true });
    }
  }
  return { relation: { sql: `SELECT * FROM read_parquet(${literal(cached)})` }, fingerprint, description, files: paths };
}

/** A PrdError naming the file, row and column of a read failure, when it is one. */
export async function readFailure(error: unknown, layout: TableLayout): Promise<Error | undefined> {
  return translateReadError(error) ?? (await diagnoseTimestampError(error, layout));
}

// Without the conversion, parse the time columns now (a cheap scan of those columns only), so that a bad time is
// reported by the load step with its file and row rather than by a later step.
async function checkTimes(ctx: DataContext, sql: string, layout: TableLayout, read: ReadOptions): Promise<void> {
  const times = read.timeColumns.filter((c) => layout.columns.includes(c));
  if (times.length === 0) return;
  try {
    await ctx.engine.run(`SELECT ${times.map((c) => `max("${c}")`).join(', ')} FROM (${sql})`);
  } catch (error) {
    throw (await readFailure(error, layout)) ?? error;
  }
}

/** `data.source: { use: "csv" }`. */
export const csvSource = definePlugin({
  kind: 'source',
  name: 'csv',
  description: "The seed's merged files (**/prd_merged_*.csv, or Parquet): any column order, CRLF, quoted fields, the YYYY-MM-DD midnight quirk.",
  options: CsvSourceOptions,
  create(options): DataSource {
    return { open: (ctx) => openCsv(options, ctx) };
  },
});
