import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PrdError, type Manifest, type MetricTree, type Preprocessing } from '@prd/core';

/** One row of history.csv: epoch and each metric (empty cells are absent). */
export type HistoryRow = Record<string, number>;

/** What an explainer left in `explain/<name>/`. */
export interface ExplainerOutput {
  name: string;
  /** Parsed JSON files by file name. */
  json: Record<string, unknown>;
  /** SVG and PNG files the explainer drew itself, relative to the run directory. */
  images: string[];
}

/** Everything the report reads from a finished run directory. Only the manifest is required. */
export interface RunData {
  runDir: string;
  manifest: Manifest;
  recipe?: Record<string, unknown>;
  metrics: MetricTree;
  history: HistoryRow[];
  preprocessing?: Preprocessing;
  /** Absolute path of predictions.csv, when the run wrote one. */
  predictions?: string;
  /** Per-grid-cell score tables: split -> score -> absolute path (`evaluation/<split>/<score>_by_cell.csv`). */
  cellTables: Record<string, Record<string, string>>;
  explainers: ExplainerOutput[];
}

function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new PrdError(`${path} is not valid JSON (${(error as Error).message}); re-run the step that wrote it`);
  }
}

/** Parse history.csv (`epoch,loss,val_loss,...`) into numbers; blank cells are left out. */
export function parseHistory(text: string): HistoryRow[] {
  const [head, ...lines] = text.trim().split(/\r?\n/);
  if (!head) return [];
  const names = head.split(',');
  return lines.filter(Boolean).map((line) => {
    const row: HistoryRow = {};
    line.split(',').forEach((cell, i) => {
      if (cell !== '' && Number.isFinite(Number(cell))) row[names[i]] = Number(cell);
    });
    return row;
  });
}

/** Read a finished (or failed) run directory. */
export function readRun(runDir: string): RunData {
  const manifest = readJson<Manifest>(join(runDir, 'manifest.json'));
  if (!manifest) throw new PrdError(`${runDir} is not a run directory (no manifest.json); pass a directory under runs/`);
  const historyFile = join(runDir, 'history.csv');
  const predictions = join(runDir, 'predictions.csv');
  const cellTables = readCellTables(runDir, manifest);
  return {
    runDir,
    manifest,
    recipe: readJson(join(runDir, 'recipe.resolved.json')),
    metrics: readJson<MetricTree>(join(runDir, 'metrics.json')) ?? {},
    history: existsSync(historyFile) ? parseHistory(readFileSync(historyFile, 'utf8')) : [],
    preprocessing: readJson<Preprocessing>(join(runDir, 'model', 'preprocessing.json')),
    predictions: existsSync(predictions) && statSync(predictions).size > 0 ? predictions : undefined,
    cellTables,
    explainers: readExplainers(runDir),
  };
}

/**
 * Per-cell score tables: the files evaluators declare with format `prd-cell-scores`, named by the metric the
 * evaluator declares. Runs recorded before plugins declared their outputs fall back to the `<score>_by_cell.csv` name.
 */
function readCellTables(runDir: string, manifest: Manifest): RunData['cellTables'] {
  const cellTables: RunData['cellTables'] = {};
  const evaluation = join(runDir, 'evaluation');
  if (!existsSync(evaluation)) return cellTables;
  const declared = manifest.plugins.filter((p) => p.outputs !== undefined);
  const tables = declared.flatMap((p) => (p.outputs?.files ?? []).filter((f) => f.format === 'prd-cell-scores').map((f) => ({ file: f.path, score: Object.keys(p.outputs?.metrics ?? {})[0] ?? p.name })));
  for (const split of readdirSync(evaluation)) {
    if (!statSync(join(evaluation, split)).isDirectory()) continue;
    if (declared.length > 0) {
      for (const { file, score } of tables) if (existsSync(join(evaluation, split, file))) (cellTables[split] ??= {})[score] = join(evaluation, split, file);
      continue;
    }
    for (const file of readdirSync(join(evaluation, split))) {
      const match = /^(.+)_by_cell\.csv$/.exec(file);
      if (match) (cellTables[split] ??= {})[match[1]] = join(evaluation, split, file);
    }
  }
  return cellTables;
}

function readExplainers(runDir: string): ExplainerOutput[] {
  const root = join(runDir, 'explain');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => statSync(join(root, name)).isDirectory())
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const json: Record<string, unknown> = {};
      const images: string[] = [];
      for (const file of readdirSync(dir).sort()) {
        if (file.endsWith('.json')) json[file] = readJson(join(dir, file));
        else if (/\.(svg|png)$/.test(file)) images.push(relative(runDir, join(dir, file)));
      }
      return { name, json, images };
    });
}

/** The unit of the run's rates: mm for accumulations (`..._aggregate`), mm/h otherwise. */
export function unitOf(run: Pick<RunData, 'preprocessing'>): string {
  return run.preprocessing?.prefixes.truth.includes('aggregate') ? 'mm' : 'mm/h';
}
