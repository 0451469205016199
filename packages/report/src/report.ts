import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataEngine, PrdError, type RunReporter } from '@prd/core';
import { reportHtml, type RenderedPlot } from './html.js';
import { explainPlots } from './plots/explain.js';
import { learningCurves } from './plots/learning.js';
import { canMap, cellScoreMaps, forecastMaps, parseCellTable } from './plots/maps.js';
import { metricBars } from './plots/metrics.js';
import type { Plot } from './plots/plot.js';
import { prefixSvgIds, renderSvg, svgToPng } from './render.js';
import { readRun, type RunData } from './run-data.js';

/** What the report draws. */
export interface ReportOptions {
  /** Validity times with forecast maps (the wettest ones); default 3. */
  maxMapTimes?: number;
  /** Ensemble members shown as postage stamps, at most; default 36. */
  maxMembers?: number;
  /** DuckDB memory limit while aggregating predictions.csv; default 512MB. */
  memoryLimit?: string;
}

/** Every plot of a run, in page order. Maps need the engine for predictions.csv. */
export async function collectPlots(run: RunData, options: Required<ReportOptions>, tempDir: string): Promise<Plot[]> {
  const bands = run.preprocessing?.bands ?? [];
  const unit = run.preprocessing?.prefixes.truth.includes('aggregate') ? 'mm' : 'mm/h';
  const plots: Plot[] = [...learningCurves(run.history)];
  for (const [split, tree] of Object.entries(run.metrics)) {
    if (tree && typeof tree === 'object') plots.push(...metricBars(split, tree, bands, unit));
  }
  for (const [split, tables] of Object.entries(run.cellTables)) {
    for (const [score, file] of Object.entries(tables)) plots.push(...cellScoreMaps(split, score, parseCellTable(readFileSync(file, 'utf8')), unit));
  }
  if (run.predictions && canMap(run.preprocessing)) {
    const engine = await DataEngine.open({ memoryLimit: options.memoryLimit, threads: 1, tempDir: join(tempDir, 'duckdb') });
    try {
      plots.push(...(await forecastMaps(engine, run.predictions, run.preprocessing, { maxTimes: options.maxMapTimes, maxMembers: options.maxMembers })));
    } finally {
      engine.close();
    }
  }
  plots.push(...explainPlots(run.explainers));
  return plots;
}

function dataUri(file: string): string {
  const type = file.endsWith('.svg') ? 'image/svg+xml' : 'image/png';
  return `data:${type};base64,${readFileSync(file).toString('base64')}`;
}

/**
 * Build a RunReporter: reads the finished run directory (manifest, recipe, metrics, history, predictions,
 * per-cell tables, explanations, preprocessing) and writes `plots/<id>.svg|png` and `report.html`.
 */
export function createReporter(options: ReportOptions = {}): RunReporter {
  const settings: Required<ReportOptions> = { maxMapTimes: options.maxMapTimes ?? 3, maxMembers: options.maxMembers ?? 36, memoryLimit: options.memoryLimit ?? '512MB' };
  return async ({ runDir, events, signal }) => {
    const run = readRun(runDir);
    const plotsDir = join(runDir, 'plots');
    mkdirSync(plotsDir, { recursive: true });
    const plots = await collectPlots(run, settings, join(runDir, '.report-tmp'));
    const written: string[] = [];
    const rendered: RenderedPlot[] = [];
    const started = Date.now();
    for (const [i, plot] of plots.entries()) {
      if (signal.aborted) throw new PrdError('the report was cancelled');
      try {
        const svg = await renderSvg(plot.spec, (message) => events.log(`report: ${plot.id}: ${message}`, 'warn'));
        const png = svgToPng(svg);
        writeFileSync(join(plotsDir, `${plot.id}.svg`), svg);
        writeFileSync(join(plotsDir, `${plot.id}.png`), png);
        written.push(`plots/${plot.id}.svg`, `plots/${plot.id}.png`);
        const markup = plot.embed === 'svg' ? prefixSvgIds(svg, `p${i}`) : `<img alt="${plot.title.replace(/"/g, '&quot;')}" src="data:image/png;base64,${png.toString('base64')}">`;
        rendered.push({ plot, markup });
      } catch (error) {
        // One broken figure should not cost the whole report; it is shown as an error and logged.
        events.log(`report: could not draw ${plot.id}: ${(error as Error).message}`, 'warn');
        rendered.push({ plot, error: (error as Error).message });
      }
      const done = i + 1;
      const etaMs = ((Date.now() - started) / done) * (plots.length - done);
      events.emit({ type: 'progress', step: 'report', done, total: plots.length, unit: 'plots', etaMs });
    }
    const images = Object.fromEntries(run.explainers.flatMap((e) => e.images).map((image) => [image, dataUri(join(runDir, image))]));
    writeFileSync(join(runDir, 'report.html'), reportHtml(run, rendered, images));
    written.push('report.html');
    return written;
  };
}

/** The default reporter (`prd run` passes it to the runner). */
export const renderReport: RunReporter = createReporter();
