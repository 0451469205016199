import { join, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { tempDirBeside, listDerivedFiles, listEntries, parseAge, PrdError, pruneDerivedFiles, pruneEntries, type CacheEntryRow, type DerivedFileRow } from '@prd/core';
import { PrdCommand } from '../base-command.js';

/** What `prd cache --json` prints. */
export interface CacheSummary {
  cacheDir: string;
  entries: CacheEntryRow[];
  /** Where the derived files are (the temporary directory beside the cache). */
  tempDir: string;
  /** Files runs derive and reuse by content: source conversions, kept-row selections (see @prd/core derived-files). */
  derived: DerivedFileRow[];
  /** With `prune`: the removed entries and derived files, and those kept because a live process uses them. */
  removed?: CacheEntryRow[];
  inUse?: CacheEntryRow[];
  removedDerived?: DerivedFileRow[];
  derivedInUse?: DerivedFileRow[];
  /** Bytes listed (list) or removed (prune), entries and derived files together. */
  bytes: number;
}

export default class Cache extends PrdCommand {
  static override summary = 'List the cached step outputs, or prune them.';
  static override description =
    'Each step of a run is cached in .prd/cache/<step>/<key>/ (the key covers its inputs, options and plugins); files runs derive from the data and reuse by content (a CSV\'s Parquet conversion, the rows the filters kept) are in .prd/tmp/<kind>/. `prd cache` lists both with size and last use; `prd cache prune` removes them (never one that a running prd process uses; a removed derived file is made again when next needed).';
  static override examples = ['<%= config.bin %> cache', '<%= config.bin %> cache list --json', '<%= config.bin %> cache prune --older-than 7d', '<%= config.bin %> cache prune --keep-last 3', '<%= config.bin %> cache prune --all'];

  static override args = {
    action: Args.string({ description: 'list (default) or prune', options: ['list', 'prune'], default: 'list', required: false }),
  };

  static override flags = {
    'cache-dir': Flags.directory({ description: 'Where step outputs are cached.', default: join('.prd', 'cache') }),
    'older-than': Flags.string({ description: 'prune: entries not used for this long (45s, 30m, 12h, 7d, 2w).' }),
    'keep-last': Flags.integer({ description: 'prune: keep the N most recently used entries of each step.', min: 0 }),
    all: Flags.boolean({ description: 'prune: every entry.' }),
  };

  async run(): Promise<CacheSummary> {
    const { args, flags } = await this.parse(Cache);
    await this.initCommand(flags);
    const root = resolve(flags['cache-dir']);
    const tempDir = tempDirBeside(root);
    const pruneFlags = ['older-than', 'keep-last', 'all'].filter((f) => flags[f as keyof typeof flags] !== undefined && flags[f as keyof typeof flags] !== false);
    if (args.action === 'list') {
      if (pruneFlags.length > 0) throw new PrdError(`--${pruneFlags[0]} is for prune: prd cache prune --${pruneFlags[0]} ...`);
      const entries = listEntries(root);
      const derived = listDerivedFiles(tempDir);
      if (!this.jsonEnabled()) this.printTable(root, tempDir, entries, derived);
      return { cacheDir: root, entries, tempDir, derived, bytes: total(entries) + total(derived) };
    }
    if (pruneFlags.length !== 1) {
      throw new PrdError('prd cache prune needs one of --older-than <age>, --keep-last <n> or --all; for example: prd cache prune --older-than 7d');
    }
    const options = { olderThanMs: flags['older-than'] ? parseAge(flags['older-than']) : undefined, keepLast: flags['keep-last'], all: flags.all };
    const result = pruneEntries(root, options);
    const derived = pruneDerivedFiles(tempDir, options);
    if (!this.jsonEnabled()) {
      this.note(`removed ${result.removed.length} entr${result.removed.length === 1 ? 'y' : 'ies'} (${formatBytes(result.bytes)}) from ${root}`);
      if (result.inUse.length > 0) this.note(`kept ${result.inUse.length} in use by a running prd: ${result.inUse.map((e) => `${e.step}/${e.key}`).join(', ')}`);
      if (derived.removed.length > 0) this.note(`removed ${derived.removed.length} derived file${derived.removed.length === 1 ? '' : 's'} (${formatBytes(derived.bytes)}) from ${tempDir}; runs make them again when needed`);
      if (derived.inUse.length > 0) this.note(`kept ${derived.inUse.length} derived file${derived.inUse.length === 1 ? '' : 's'} a running prd uses: ${derived.inUse.map((d) => `${d.kind}/${d.name}`).join(', ')}`);
    }
    return {
      cacheDir: root,
      entries: listEntries(root),
      tempDir,
      derived: listDerivedFiles(tempDir),
      removed: result.removed,
      inUse: result.inUse,
      removedDerived: derived.removed,
      derivedInUse: derived.inUse,
      bytes: result.bytes + derived.bytes,
    };
  }

  private printTable(root: string, tempDir: string, entries: CacheEntryRow[], derived: DerivedFileRow[]): void {
    if (entries.length + derived.length === 0) {
      this.log(`no cache entries in ${root}`);
      return;
    }
    const now = Date.now();
    const rows = [
      ...entries.map((e) => [e.step, e.key, formatBytes(e.bytes), age(now - Date.parse(e.createdAt)), age(now - Date.parse(e.lastUsedAt)), e.state === 'ok' ? (e.inUse ? 'in use' : '') : e.state]),
      // A derived file's creation is not recorded: its age column says when it was last used, like its last-used one.
      ...derived.map((d) => [`tmp/${d.kind}`, d.name, formatBytes(d.bytes), age(now - Date.parse(d.lastUsedAt)), age(now - Date.parse(d.lastUsedAt)), d.inUse ? 'in use' : '']),
    ];
    const header = ['step', 'key', 'size', 'age', 'last used', ''];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    for (const row of [header, ...rows]) this.log(row.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd());
    this.log(`${entries.length} entries, ${formatBytes(total(entries))} in ${root}`);
    if (derived.length > 0) this.log(`${derived.length} derived files, ${formatBytes(total(derived))} in ${tempDir}`);
  }
}

const total = (rows: ReadonlyArray<{ bytes: number }>) => rows.reduce((s, r) => s + r.bytes, 0);

function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}
