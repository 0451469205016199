import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepName } from './events.js';

/** What a finished cache entry records about itself. */
export interface CacheEntryInfo {
  step: StepName;
  key: string;
  createdAt: string;
  /** Step-specific facts (row counts, shapes) needed to use the outputs without recomputing. */
  summary: Record<string, unknown>;
}

/**
 * Step outputs by content key under `.prd/cache/<step>/<key>/`. An entry appears atomically (written to a
 * temporary directory, then renamed), so an interrupted step never leaves a half entry that looks complete.
 */
export class StepCache {
  constructor(readonly root: string, readonly enabled = true) {}

  /** Directory of a finished entry. */
  entryDir(step: StepName, key: string): string {
    return join(this.root, step, key);
  }

  /** The finished entry for a step and key, if any. */
  lookup(step: StepName, key: string): CacheEntryInfo | undefined {
    if (!this.enabled) return undefined;
    const file = join(this.entryDir(step, key), 'entry.json');
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as CacheEntryInfo;
    } catch {
      return undefined;
    }
  }

  /** A fresh temporary directory to write a step's outputs into before {@link commit}. */
  begin(step: StepName, key: string): string {
    const dir = join(this.root, step, `${key}.tmp-${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Turn a temporary directory into the finished entry for a key. */
  commit(step: StepName, key: string, tmpDir: string, summary: Record<string, unknown>): CacheEntryInfo {
    const info: CacheEntryInfo = { step, key, createdAt: new Date().toISOString(), summary };
    writeFileSync(join(tmpDir, 'entry.json'), JSON.stringify(info, null, 2));
    const dir = this.entryDir(step, key);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmpDir, dir);
    return info;
  }

  /** Drop a temporary directory after a failure. */
  abandon(tmpDir: string): void {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}
