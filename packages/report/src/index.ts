/** @prd/report: plots (SVG and PNG, Vega-Lite rendered headless) and the self-contained report.html of a run. */
export { createReporter, renderReport, collectPlots, type ReportOptions } from './report.js';
export { readRun, parseHistory, type RunData, type HistoryRow, type ExplainerOutput } from './run-data.js';
export { renderSvg, svgToPng, prefixSvgIds, CONFIG, FONT } from './render.js';
export { reportHtml, escapeHtml, type RenderedPlot } from './html.js';
export { SECTIONS, slug, type Plot, type Section } from './plots/plot.js';
export { learningCurves } from './plots/learning.js';
export { metricBars, metricRows, describeMetric, keyLabel, type MetricRow } from './plots/metrics.js';
export { Declared } from './declared.js';
export { forecastMaps, cellScoreMaps, parseCellTable, exceedances, canMap, type MapOptions } from './plots/maps.js';
export { explainPlots, importancePlot, saliencyPlots, filterPlot, type ImportanceResult, type SaliencyResult, type FiltersResult } from './plots/explain.js';
export { gridOf, mercatorPanel, coastlines, mapPanel, type BBox, type Grid, type CellValue, type PanelOptions } from './plots/geo.js';
export { sequentialScale, divergingScale, sequentialDomain, divergingDomain, type ColourScale } from './plots/scales.js';
export { degreeTicks, degreeLabel } from './plots/graticule.js';
export { sweepReportHtml, objectivePlot, curvesPlot, parallelCoordinates, type SweepReportInput, type SweepReportTrial } from './sweep-report.js';
