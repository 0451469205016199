import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin, ident, literal, translateReadError, type DataContext, type DataEngine, type DataSource, type SourceData, type SourceOutline, useDerivedFile } from '@prd/core';
import { SEED_TEXT_COLUMNS } from '@prd/precip';
import { Type, type Static } from '@sinclair/typebox';
import { diagnoseTimestampError } from './diagnose.js';
import { describeFiles, expandPaths, filesFingerprint } from './files.js';
import { fileSql, readLayout, tableSql, type ReadOptions, type TableLayout } from './read.js';

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
      description: 'Convert each CSV file to Parquet once (checked for bad values up front, fast to read again; a new file converts only itself); false reads the CSV files on each use.',
    }),
  },
  { additionalProperties: false },
);

/** Resolved options of the `csv` source. */
export type CsvSourceOptions = Static<typeof CsvSourceOptions>;

// Bump when the converted file's content would change for the same inputs.
const CACHE_FORMAT = 4;

/** Azure paths (azureml://datastores/..., azureml:<asset>:<version>, https blob URLs) downloaded once into the cache. */
async function localPaths(paths: readonly string[], ctx: DataContext): Promise<string[]> {
  const azure = /^azureml:|^https:\/\/[^/]+\.blob\.core\.windows\.net\//;
  if (!paths.some((p) => azure.test(p))) return [...paths];
  const { localizeAzurePath } = await import('@prd/azure');
  return Promise.all(paths.map((p) => (azure.test(p) ? localizeAzurePath(p, join(ctx.tempDir, 'azure'), { baseDir: ctx.baseDir, events: ctx.events }) : p)));
}

/** Open the seed's merged files (CSV or Parquet) as one typed relation with an `event` column. */
export async function openCsv(options: CsvSourceOptions, ctx: DataContext): Promise<SourceData> {
  const pointer = `${ctx.pointer}/with`;
  const files = await expandPaths(ctx.engine, await localPaths(options.paths, ctx), ctx.baseDir, pointer);
  const layout = await readLayout(ctx.engine, files);
  const read: ReadOptions = { event: options.event, textColumns: [...options.textColumns], timeColumns: [...options.timeColumns] };
  for (const column of SEED_TEXT_COLUMNS) if (!read.textColumns.includes(column) && !read.timeColumns.includes(column)) read.textColumns.push(column);
  const fingerprint = filesFingerprint(files, { read, format: CACHE_FORMAT });
  const description = describeFiles(files, ctx.baseDir);
  const paths = files.map((f) => f.path);
  if (!options.cache || files.every((f) => f.format === 'parquet')) {
    const sql = tableSql(layout, read);
    await checkTimes(ctx, sql, layout, read);
    return { relation: { sql }, fingerprint, description, files: paths };
  }
  const parts = await convertFiles(ctx, layout, read, description);
  // One multi-file scan when every part is a conversion (same schema by construction): DuckDB scans it in parallel
  // and in file order, where a UNION ALL of the same files made the split step twice as slow (measured, 1M rows).
  const converted = parts.every((p) => p.file !== undefined);
  if (!converted) return { relation: { sql: parts.map((p) => p.sql).join('\nUNION ALL\n') }, fingerprint, description, files: paths };
  const list = `[${parts.map((p) => literal(p.file!)).join(', ')}]`;
  // A row's position: its file's place in the list (fixed by the fingerprint) and its row in that file.
  const numbered = `SELECT * EXCLUDE (file_row_number), (file_index::BIGINT << 32) | file_row_number AS __pos FROM read_parquet(${list}, file_row_number = true)`;
  const clash = layout.columns.some((c) => ['file_row_number', 'file_index', '__pos'].includes(c.toLowerCase()));
  return { relation: { sql: `SELECT * FROM read_parquet(${list})` }, ...(clash ? {} : { numbered: { sql: numbered } }), fingerprint, description, files: paths };
}

/**
 * Convert each CSV file to its own Parquet file, once: a later run, or a run after another event's file was added,
 * converts only the files it has not seen. Files are converted as many at a time as DuckDB has threads, because it
 * writes one Parquet file on one thread (the 1M-row benchmark's 4 files on 2 cores: 21-26 s, against 37-39 s for one
 * conversion of all of them). Returns one SELECT per file, in file order (the conversion, or the Parquet input
 * itself), with the converted file where there is one.
 */
async function convertFiles(ctx: DataContext, layout: TableLayout, read: ReadOptions, description: string): Promise<Array<{ sql: string; file?: string }>> {
  const dir = join(ctx.tempDir, 'csv');
  const parts = layout.files.map((entry) => {
    if (entry.file.format === 'parquet') return { sql: fileSql(entry, layout.columns, read) };
    // The column order is the dataset's (the first file's), so it is part of what a conversion depends on.
    const cached = join(dir, `${filesFingerprint([entry.file], { read, columns: layout.columns, format: CACHE_FORMAT })}.parquet`);
    // Marked used before it is looked at, so a `prd cache prune` running now keeps it.
    useDerivedFile(ctx.tempDir, cached);
    return { sql: `SELECT * FROM read_parquet(${literal(cached)})`, file: cached, convert: existsSync(cached) && wholeParquet(cached, ctx) ? undefined : { entry, cached } };
  });
  const todo = parts.flatMap((p) => (p.convert ? [p.convert] : []));
  if (todo.length > 0) {
    mkdirSync(dir, { recursive: true });
    ctx.events.log(`converting ${todo.length === layout.files.length ? description : `${todo.length} new file${todo.length > 1 ? 's' : ''} of ${description}`} to Parquet (once; later runs reuse it)`);
    const workers = Math.max(1, Math.min(todo.length, await ctx.engine.threads()));
    const engines = [ctx.engine, ...(await Promise.all(Array.from({ length: workers - 1 }, () => ctx.engine.sibling())))];
    let next = 0;
    let failed = false;
    const outcomes = await Promise.allSettled(
      engines.map(async (engine) => {
        // After a failure the other connection finishes its file but takes no new one.
        for (let i = next++; i < todo.length && !failed; i = next++) {
          await convertOne(engine, todo[i].entry, todo[i].cached, layout, read).catch((error: unknown) => {
            failed = true;
            throw error;
          });
        }
      }),
    );
    for (const engine of engines.slice(1)) engine.close();
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
  }
  return parts;
}

/**
 * Whether a converted file is whole: Parquet starts and ends with "PAR1", so a file cut short (a disk that filled
 * up, a copy interrupted) is found without reading it. One that is not is removed, with a warning, and converted again.
 */
function wholeParquet(path: string, ctx: DataContext): boolean {
  const size = statSync(path).size;
  const head = Buffer.alloc(4);
  const tail = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
    if (size >= 12) readSync(fd, tail, 0, 4, size - 4);
  } finally {
    closeSync(fd);
  }
  if (size >= 12 && head.toString('latin1') === 'PAR1' && tail.toString('latin1') === 'PAR1') return true;
  ctx.events.log(`the converted file ${path} is incomplete (${size.toLocaleString('en-US')} bytes); converting it again`, 'warn');
  rmSync(path, { force: true });
  return false;
}

/** Convert one CSV file to Parquet under a temporary name, renamed into place only once complete. */
async function convertOne(engine: DataEngine, entry: TableLayout['files'][number], cached: string, layout: TableLayout, read: ReadOptions): Promise<void> {
  const partial = `${cached}.${process.pid}.partial`;
  try {
    await engine.toParquet({ sql: fileSql(entry, layout.columns, read) }, partial, { plain: true });
    renameSync(partial, cached);
  } catch (error) {
    throw (await readFailure(error, layout)) ?? error;
  } finally {
    rmSync(partial, { force: true });
  }
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
    await ctx.engine.run(`SELECT ${times.map((c) => `max(${ident(c)})`).join(', ')} FROM (${sql})`);
  } catch (error) {
    throw (await readFailure(error, layout)) ?? error;
  }
}

/** The files' columns from their headers only (CSV: the first line; Parquet: its schema), for `prd validate`. */
export async function outlineCsv(options: CsvSourceOptions, ctx: DataContext): Promise<SourceOutline> {
  const files = await expandPaths(ctx.engine, options.paths, ctx.baseDir, `${ctx.pointer}/with`);
  const layout = await readLayout(ctx.engine, files);
  return { columns: [...layout.columns, 'event'], description: describeFiles(files, ctx.baseDir) };
}

/** `data.source: { use: "csv" }`. */
export const csvSource = definePlugin({
  kind: 'source',
  name: 'csv',
  description: "The seed's merged files (**/prd_merged_*.csv, or Parquet): any column order, CRLF, quoted fields, the YYYY-MM-DD midnight quirk.",
  options: CsvSourceOptions,
  create(options): DataSource {
    return { open: (ctx) => openCsv(options, ctx), outline: (ctx) => outlineCsv(options, ctx) };
  },
});
