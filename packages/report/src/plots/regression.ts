import { ident, literal, mlColumns, type DataEngine, type Preprocessing } from '@prd/core';
import type { TopLevelSpec } from 'vega-lite';
import type { Plot } from './plot.js';

/** Points drawn in the scatter at most (a seeded sample of the rows beyond that: SVGs stay small). */
const MAX_POINTS = 4000;
const BINS = 40;

function unitOf(p: Preprocessing): string {
  const column = p.target.columns[0] ?? '';
  return column.includes('aggregate') || column.includes('3hr') ? 'mm' : 'mm/h';
}

/**
 * The seed's regression figures (§5.3) from predictions.csv (the test split): actual against predicted with the
 * 1:1 line, and overlaid histograms of both (40 bins, alpha 0.5).
 */
export async function regressionPlots(engine: DataEngine, csv: string, p: Preprocessing): Promise<Plot[]> {
  if (p.task !== 'regression' || p.target.columns.length !== 1) return [];
  const truth = p.target.columns[0];
  const ml = mlColumns(p)[0];
  const source = `SELECT ${ident(truth)}::DOUBLE AS actual, ${ident(ml)}::DOUBLE AS predicted FROM read_csv(${literal(csv)}, header = true) WHERE ${ident(truth)} IS NOT NULL AND ${ident(ml)} IS NOT NULL`;
  const total = Number(await engine.scalar(`SELECT count(*) FROM (${source})`));
  if (total === 0) return [];
  const points = await engine.rows<{ actual: number; predicted: number }>(total > MAX_POINTS ? `SELECT * FROM (${source}) USING SAMPLE reservoir(${MAX_POINTS} ROWS) REPEATABLE (1)` : source);
  const unit = unitOf(p);
  const name = truth.replace(/_/g, ' ');
  const max = Math.max(...points.flatMap((r) => [Number(r.actual), Number(r.predicted)]), 1e-9);
  const scatter = {
    title: { text: 'Actual against predicted', subtitle: `${name}, test split, ${total > MAX_POINTS ? `${MAX_POINTS} of ${total}` : total} rows; dashed: 1:1` },
    width: 320,
    height: 320,
    layer: [
      {
        data: { values: points.map((r) => ({ actual: Number(r.actual), predicted: Number(r.predicted) })) },
        mark: { type: 'circle', size: 14, opacity: 0.5, color: 'darkblue' },
        encoding: {
          x: { field: 'actual', type: 'quantitative', title: `Actual ${name} (${unit})`, scale: { domain: [0, max] } },
          y: { field: 'predicted', type: 'quantitative', title: `Predicted ${name} (${unit})`, scale: { domain: [0, max] } },
        },
      },
      { data: { values: [{ x: 0, y: 0 }, { x: max, y: max }] }, mark: { type: 'line', strokeDash: [5, 4], color: 'black' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
  // Common bins for both, so the bars line up.
  const stats = await engine.rows<{ lo: number; hi: number }>(`SELECT least(min(actual), min(predicted)) AS lo, greatest(max(actual), max(predicted)) AS hi FROM (${source})`);
  const lo = Number(stats[0].lo);
  const width = (Number(stats[0].hi) - lo) / BINS || 1;
  const counts = await engine.rows<{ which: string; bin: number; n: number }>(
    `SELECT which, least(floor((v - ${lo}) / ${width}), ${BINS - 1})::INTEGER AS bin, count(*)::INTEGER AS n FROM (SELECT 'actual' AS which, actual AS v FROM (${source}) UNION ALL SELECT 'predicted', predicted FROM (${source})) GROUP BY ALL ORDER BY which, bin`,
  );
  const histogram = {
    title: { text: 'Distribution of actual and predicted values', subtitle: `${name}, test split, ${BINS} bins` },
    width: 380,
    height: 240,
    data: { values: counts.map((c) => ({ source: c.which === 'actual' ? 'Actual' : 'Predicted', from: lo + Number(c.bin) * width, to: lo + (Number(c.bin) + 1) * width, n: Number(c.n) })) },
    mark: { type: 'rect', opacity: 0.5 },
    encoding: {
      x: { field: 'from', type: 'quantitative', title: `${name} (${unit})` },
      x2: { field: 'to' },
      y: { field: 'n', type: 'quantitative', title: 'Number of rows', stack: null },
      color: { field: 'source', type: 'nominal', title: null, scale: { domain: ['Actual', 'Predicted'], range: ['#1f77b4', '#ff7f0e'] } },
    },
  } as TopLevelSpec;
  return [
    { id: 'regression_scatter', section: 'metrics', group: 'test', title: 'Actual against predicted', spec: scatter, embed: 'png' },
    { id: 'regression_histogram', section: 'metrics', group: 'test', title: 'Distribution of actual and predicted values', spec: histogram, embed: 'svg' },
  ];
}
