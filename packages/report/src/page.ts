import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrdError } from '@prd/core';
import { reportHtml, type RenderedPlot } from './html.js';
import type { Plot } from './plots/plot.js';
import { prefixSvgIds } from './render.js';
import { readRun } from './run-data.js';

/**
 * What the report step drew, in page order: the page is written from it once the run has ended, so its header
 * and step table show the run's final manifest (the figures are drawn before the run ends; the page after).
 */
export const FIGURE_INDEX = 'plots/figures.json';

/** A drawn figure as the index keeps it: the plot without its spec, or why it could not be drawn. */
export type DrawnFigure = Omit<Plot, 'spec'> & { error?: string };

/** Write the index of the figures drawn (`plots/figures.json`). */
export function writeFigureIndex(runDir: string, figures: DrawnFigure[]): void {
  writeFileSync(join(runDir, FIGURE_INDEX), `${JSON.stringify(figures, null, 2)}\n`);
}

function dataUri(file: string): string {
  const type = file.endsWith('.svg') ? 'image/svg+xml' : 'image/png';
  return `data:${type};base64,${readFileSync(file).toString('base64')}`;
}

function markupOf(runDir: string, figure: DrawnFigure, i: number): RenderedPlot {
  const { error, ...plot } = figure;
  const rendered = { plot };
  if (error !== undefined) return { ...rendered, error };
  const file = join(runDir, 'plots', `${plot.id}.${plot.embed}`);
  if (!existsSync(file)) return { ...rendered, error: `plots/${plot.id}.${plot.embed} is missing` };
  // Each inline SVG's ids get a prefix of their own: Vega numbers clip paths from clip1 in every SVG.
  const markup = plot.embed === 'svg' ? prefixSvgIds(readFileSync(file, 'utf8'), `p${i}`) : `<img alt="${plot.title.replace(/"/g, '&quot;')}" src="${dataUri(file)}">`;
  return { ...rendered, markup };
}

/** Write report.html from the run directory as it is now (manifest, metrics, ...) and its drawn figures. */
export function writePage(runDir: string): string[] {
  const index = join(runDir, FIGURE_INDEX);
  if (!existsSync(index)) throw new PrdError(`${index} is missing: the report's figures were not drawn; run the report step first`);
  const figures = JSON.parse(readFileSync(index, 'utf8')) as DrawnFigure[];
  const run = readRun(runDir);
  const images = Object.fromEntries(run.explainers.flatMap((e) => e.images).map((image) => [image, dataUri(join(runDir, image))]));
  writeFileSync(join(runDir, 'report.html'), reportHtml(run, figures.map((f, i) => markupOf(runDir, f, i)), images));
  return ['report.html'];
}
