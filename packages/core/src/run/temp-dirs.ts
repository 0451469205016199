import { join } from 'node:path';

/** The temporary directory beside a cache root (`.prd/cache` -> `.prd/tmp`): plugins' reusable files, DuckDB's spill. */
export function tempDirBeside(cacheRoot: string): string {
  return join(cacheRoot, '..', 'tmp');
}

/** The directory under a temporary directory where DuckDB spills; DuckDB removes its own files there. */
export const SPILL_DIR = 'duckdb';

/** DuckDB's spill directory under `tempDir`. */
export function spillDir(tempDir: string): string {
  return join(tempDir, SPILL_DIR);
}
