import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataEngine, PrdError, spillDir, type DataSummary, type MetricTree, type ReportConfig, type RunReporter } from '@prd/core';
import { Declared } from './declared.js';
import { explainPlots } from './plots/explain.js';
import { learningCurves } from './plots/learning.js';
import { canMap, cellScoreMaps, forecastMaps, parseCellTable } from './plots/maps.js';
import { binaryPlots } from './plots/binary.js';
import { distributionPlots } from './plots/distribution.js';
import { memberLinePlot } from './plots/location.js';
import { metricBars } from './plots/metrics.js';
import { regressionPlots } from './plots/regression.js';
import type { Plot } from './plots/plot.js';
import { FIGURE_INDEX, writeFigureIndex, writePage, type DrawnFigure } from './page.js';
import { renderSvg, svgToPng } from './render.js';
import { readRun, type RunData, unitOf } from './run-data.js';

/** What the report draws. */
export interface ReportOptions {
  /** Validity times with forecast maps (the wettest ones; Infinity: every time); default: the run recipe's `report.mapTimes`, else 2. */
  maxMapTimes?: number;
  /** Ensemble members shown as postage stamps, at most; default 36. */
  maxMembers?: number;
  /** DuckDB memory limit while aggregating predictions.csv; default 512MB. */
  memoryLimit?: string;
}

/** Every plot of a run, in page order. Maps need the engine for predictions.csv. */
export async function collectPlots(run: RunData, options: Required<ReportOptions>, tempDir: string): Promise<Plot[]> {
  const bands = run.preprocessing?.bands ?? [];
  const unit = unitOf(run);
  const plots: Plot[] = [...learningCurves(run.history)];
  const declared = new Declared(run.manifest, bands);
  const summaryFile = join(run.runDir, 'data-summary.json');
  if (existsSync(summaryFile)) plots.push(...distributionPlots(JSON.parse(readFileSync(summaryFile, 'utf8')) as DataSummary, bands, unit));
  // Bar charts of the test split (every split's numbers are in the tables).
  const barSplit = run.metrics.test ? 'test' : Object.keys(run.metrics)[0];
  const barTree = barSplit ? run.metrics[barSplit] : undefined;
  if (barTree && typeof barTree === 'object') plots.push(...metricBars(barSplit, barTree, bands, unit, declared));
  // Per-cell maps of one split: the test split when there is one (validation maps would only repeat the picture).
  const mapSplit = run.cellTables.test ? 'test' : Object.keys(run.cellTables)[0];
  for (const [score, file] of Object.entries(mapSplit ? run.cellTables[mapSplit] : {})) {
    plots.push(...cellScoreMaps(mapSplit, score, parseCellTable(readFileSync(file, 'utf8')), unit, declared));
  }
  if (run.predictions && run.preprocessing) {
    const engine = await DataEngine.open({ memoryLimit: options.memoryLimit, threads: 1, tempDir: spillDir(tempDir) });
    try {
      plots.push(...(await regressionPlots(engine, run.predictions, run.preprocessing)));
      plots.push(...(await binaryPlots(engine, run.predictions, run.preprocessing, run.metrics.test as MetricTree | undefined)));
      if (canMap(run.preprocessing)) plots.push(...(await forecastMaps(engine, run.predictions, run.preprocessing, { maxTimes: options.maxMapTimes, maxMembers: options.maxMembers })));
      const members = await memberLinePlot(engine, run.predictions, run.preprocessing);
      if (members) plots.push(members);
    } finally {
      engine.close();
    }
  }
  plots.push(...explainPlots(run.explainers, declared));
  return plots;
}

/**
 * What a run's report draws: `options` where given, else the run recipe's `report` block (validated when the run
 * started; `mapTimes` "all" is Infinity), else the defaults.
 */
export function reportSettings(options: ReportOptions, recipe: RunData['recipe']): Required<ReportOptions> {
  const mapTimes = (recipe?.report as ReportConfig | undefined)?.mapTimes;
  return { maxMapTimes: options.maxMapTimes ?? (mapTimes === 'all' ? Infinity : (mapTimes ?? 2)), maxMembers: options.maxMembers ?? 36, memoryLimit: options.memoryLimit ?? '512MB' };
}

/**
 * Build a RunReporter: `figures` reads the run directory (manifest, recipe, metrics, history, predictions, per-cell
 * tables, explanations, preprocessing) and writes `plots/<id>.svg|png` and their index; `page` writes report.html.
 */
export function createReporter(options: ReportOptions = {}): RunReporter {
  const figures: RunReporter['figures'] = async ({ runDir, events, signal }) => {
    const run = readRun(runDir);
    const settings = reportSettings(options, run.recipe);
    if (process.env.PRD_MAP_TIMES !== undefined) events.log('PRD_MAP_TIMES is no longer read; set "report": {"mapTimes": N or "all"} in the recipe', 'warn');
    const plotsDir = join(runDir, 'plots');
    mkdirSync(plotsDir, { recursive: true });
    // DuckDB's spill files go to a private temporary folder, removed afterwards: nothing of it stays in the run.
    const scratch = mkdtempSync(join(tmpdir(), 'prd-report-'));
    let plots: Awaited<ReturnType<typeof collectPlots>>;
    try {
      plots = await collectPlots(run, settings, scratch);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const written: string[] = [];
    const drawn: DrawnFigure[] = plots.map(({ spec: _spec, ...plot }) => plot);
    const started = Date.now();
    let done = 0;
    // Vega lays out the next plot on the main thread while resvg rasterises the previous one in the thread pool.
    const inFlight = new Set<Promise<void>>();
    for (const [i, plot] of plots.entries()) {
      if (signal.aborted) throw new PrdError('the report was cancelled');
      const fail = (error: unknown) => {
        // One broken figure should not cost the whole report; it is shown as an error and logged.
        events.log(`report: could not draw ${plot.id}: ${(error as Error).message}`, 'warn');
        drawn[i] = { ...drawn[i], error: (error as Error).message };
      };
      const finish = () => {
        done += 1;
        const etaMs = ((Date.now() - started) / done) * (plots.length - done);
        events.emit({ type: 'progress', step: 'report', done, total: plots.length, unit: 'plots', etaMs });
      };
      let svg: string;
      try {
        svg = await renderSvg(plot.spec, (message) => events.log(`report: ${plot.id}: ${message}`, 'warn'));
        writeFileSync(join(plotsDir, `${plot.id}.svg`), svg);
      } catch (error) {
        fail(error);
        finish();
        continue;
      }
      const job: Promise<void> = svgToPng(svg)
        .then((png) => {
          writeFileSync(join(plotsDir, `${plot.id}.png`), png);
          written.push(`plots/${plot.id}.svg`, `plots/${plot.id}.png`);
        }, fail)
        .finally(() => {
          finish();
          inFlight.delete(job);
        });
      inFlight.add(job);
      if (inFlight.size >= 2) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    // A report rendered again (prd report, a resumed run) leaves no figures of the previous rendering behind.
    for (const file of readdirSync(plotsDir)) {
      if (/\.(svg|png)$/.test(file) && !written.includes(`plots/${file}`)) rmSync(join(plotsDir, file));
    }
    writeFigureIndex(runDir, drawn);
    return [...written, FIGURE_INDEX];
  };
  return { figures, page: async (runDir) => writePage(runDir) };
}

/** Draw the figures and write report.html of a finished run directory, in one go. */
export async function renderReport(input: Parameters<RunReporter['figures']>[0], options: ReportOptions = {}): Promise<string[]> {
  const reporter = createReporter(options);
  return [...(await reporter.figures(input)), ...(await reporter.page(input.runDir))];
}
