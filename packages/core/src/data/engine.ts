import { mkdirSync } from 'node:fs';
import type { DuckDBAppender, DuckDBConnection, DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';

/** How the embedded DuckDB engine is set up. */
export interface DataEngineOptions {
  /** Directory DuckDB spills to when a query needs more memory than `memoryLimit`. */
  tempDir?: string;
  /** DuckDB memory limit, for example `"1GB"`. Keeps peak memory bounded on large inputs. */
  memoryLimit?: string;
  /** Worker threads DuckDB may use; defaults to `PRD_THREADS` from the environment, else the machine's cores. */
  threads?: number;
  /**
   * Ctrl-C: when it aborts, the statements running on this engine and its siblings are interrupted (DuckDB's
   * interrupt, within milliseconds) and later statements are refused, instead of finishing minutes of work first.
   */
  signal?: AbortSignal;
}

/** Name and DuckDB type of one column of a relation. */
export interface ColumnInfo {
  name: string;
  type: string;
}

/** A SQL query that yields rows; the unit that data plugins pass to one another. */
export interface Relation {
  /** A complete SELECT statement (no trailing semicolon). */
  sql: string;
}

/**
 * Quote an identifier for DuckDB SQL. This and {@link literal} are the one quoting path: every name or value from
 * a recipe, a file header or a path reaches SQL through them (sql-quoting.test.ts looks for other ways).
 */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quote a value for DuckDB SQL: a string as a string literal; a number as a DOUBLE literal (non-finite numbers as
 * DuckDB's 'inf', '-inf', 'nan', never the bare word `Infinity`, which SQL reads as a column name); a bigint as is.
 */
export function literal(value: string | number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return String(value);
    return `'${Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf'}'::DOUBLE`;
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/** The embedded analytical engine (DuckDB) that every data step runs on. */
/**
 * A connection whose streamed queries (engine.stream) may run ahead of the reader by 256 MB. With DuckDB's default
 * buffer (about 1 MB) its workers wait for the JavaScript side and a stream runs on one core. Measured on the 1M-row
 * benchmark (2 cores, 165 columns streamed): 6.0 s with the default, 4.3 s at 100 MB, 3.7 s at 256 MB.
 */
async function connect(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const connection = await instance.connect();
  await connection.run(`SET streaming_buffer_size = '256MB'`);
  return connection;
}

export class DataEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** Whether closing this engine closes the DuckDB instance too (false for a {@link sibling}). */
    private readonly ownsInstance = true,
    /** The open connections of this instance (shared with siblings), interrupted together on abort. */
    private readonly connections = new Set<DuckDBConnection>(),
    private readonly signal?: AbortSignal,
  ) {
    connections.add(connection);
  }

  /** Interrupt every statement running on this engine's instance; each fails with DuckDB's "Interrupted". */
  interrupt(): void {
    for (const connection of this.connections) connection.interrupt();
  }

  /** Refuse new work once the run was stopped. */
  private checkSignal(): void {
    if (this.signal?.aborted) throw this.signal.reason instanceof Error ? this.signal.reason : new Error('stopped');
  }

  /** Open an in-memory engine that spills to `tempDir` when it runs out of memory. */
  static async open(options: DataEngineOptions = {}): Promise<DataEngine> {
    const config: Record<string, string> = {};
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    // On a shared or oversubscribed machine fewer threads can be faster (DuckDB's workers contend for the cores).
    const threads = options.threads ?? (Number(process.env.PRD_THREADS) || undefined);
    if (threads) config.threads = String(threads);
    if (options.tempDir) {
      mkdirSync(options.tempDir, { recursive: true });
      config.temp_directory = options.tempDir;
    }
    // Insertion order is what users see in files they read back; keep it.
    config.preserve_insertion_order = 'true';
    // Loaded on first use: the native module costs start-up time that commands without data (validate, plugins,
    // schema) should not pay.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:', config);
    const connection = await connect(instance);
    const engine = new DataEngine(instance, connection, true, new Set(), options.signal);
    options.signal?.addEventListener('abort', () => engine.interrupt(), { once: true });
    return engine;
  }

  /**
   * Another connection to the same database, for running statements concurrently (one connection runs one
   * statement at a time). Both share the memory limit and worker threads; close the sibling when done.
   */
  async sibling(): Promise<DataEngine> {
    return new DataEngine(this.instance, await connect(this.instance), false, this.connections, this.signal);
  }

  /** Worker threads the engine may use. */
  async threads(): Promise<number> {
    return Number(await this.scalar(`SELECT current_setting('threads')`));
  }

  /** Run a statement for its effect. */
  async run(sql: string): Promise<void> {
    this.checkSignal();
    await this.connection.run(sql);
  }

  /** Run a query and return its rows as plain JS objects (for small results). */
  async rows<T extends Record<string, unknown> = Record<string, unknown>>(sql: string): Promise<T[]> {
    this.checkSignal();
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as T[];
  }

  /** Run a query that returns one value. */
  async scalar<T = unknown>(sql: string): Promise<T> {
    this.checkSignal();
    const rows = await this.connection.runAndReadAll(sql);
    const values = rows.getRowsJS();
    return (values[0]?.[0] ?? null) as T;
  }

  /** Column names and types of a relation, without running it. */
  async columns(relation: Relation): Promise<ColumnInfo[]> {
    const reader = await this.connection.runAndReadAll(`DESCRIBE ${relation.sql}`);
    return reader.getRowObjectsJS().map((row) => ({
      name: String(row.column_name),
      type: String(row.column_type),
    }));
  }

  /** Number of rows of a relation. */
  async count(relation: Relation): Promise<number> {
    return Number(await this.scalar(`SELECT count(*) FROM (${relation.sql})`));
  }

  /** Stream a query chunk by chunk (about 2,048 rows each) without holding the result in memory. */
  async stream(sql: string, onChunk: (chunk: DuckDBDataChunk) => void | Promise<void>): Promise<number> {
    this.checkSignal();
    const result = await this.connection.stream(sql);
    let rows = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      rows += chunk.rowCount;
      await onChunk(chunk);
    }
    return rows;
  }

  /** An appender that adds rows to a table quickly (temporary tables live in the `temp` schema). */
  async appender(table: string, schema?: string): Promise<DuckDBAppender> {
    return this.connection.createAppender(table, schema ?? null);
  }

  /**
   * Write a relation to a Parquet file. Format version 2 (byte-stream-split and delta encodings) writes wide
   * float tables up to twice as fast as version 1, whose dictionary attempts on every float column cost most of
   * the time, and every current Parquet reader (DuckDB, pyarrow, pandas) reads it; snappy compresses about 30%
   * faster than zstd and reads back as fast (these are working files, not archives). Row groups hold about 32 MB of
   * values: DuckDB's default of 122,880 rows is 230 MB per writer thread for the seed's 233 columns, which pushes
   * a 1 GB engine into spilling and made writes several times slower.
   *
   * `plain`: version 1 with neither dictionaries nor compression, for files written once and scanned often (the csv
   * source's conversions). On a 257 k-row file of the seed's 233 columns, one thread: written in 2.5 s against 3.5 s,
   * every column tested in 0.73 s against 1.11 s, but 465 MB on disk against 185 MB (the CSV is 400 MB).
   */
  async toParquet(relation: Relation, path: string, options: { plain?: boolean } = {}): Promise<void> {
    const width = (await this.columns(relation)).length;
    const rows = Math.max(2048, Math.min(122_880, Math.floor((32 * 2 ** 20) / (8 * Math.max(1, width)) / 2048) * 2048));
    const format = options.plain ? 'COMPRESSION uncompressed, DICTIONARY_SIZE_LIMIT 1' : 'COMPRESSION snappy, PARQUET_VERSION V2';
    const copy = `COPY (${relation.sql}) TO ${literal(path)} (FORMAT parquet, ${format}, ROW_GROUP_SIZE ${rows})`;
    try {
      await this.run(copy);
    } catch (error) {
      // Sorting wide rows read straight from CSV by several threads can pin more blocks than the memory limit
      // allows (measured: 1M rows x 179 columns, 2 threads, 1 GB); one thread streams the same query within it.
      const threads = await this.threads();
      if (!/Out of Memory Error/.test((error as Error).message) || threads <= 1) throw error;
      await this.run('SET threads = 1');
      try {
        await this.run(copy);
      } finally {
        await this.run(`SET threads = ${threads}`);
      }
    }
  }

  /** Write a relation to a CSV file with a header. */
  async toCsv(relation: Relation, path: string): Promise<void> {
    await this.run(`COPY (${relation.sql}) TO ${literal(path)} (FORMAT csv, HEADER true)`);
  }

  /** Release the engine. */
  close(): void {
    this.connections.delete(this.connection);
    this.connection.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }
}

/** A relation that reads a Parquet file. */
export function parquetRelation(path: string): Relation {
  return { sql: `SELECT * FROM read_parquet(${literal(path)})` };
}
