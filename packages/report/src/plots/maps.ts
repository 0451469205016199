import type { Declared } from '../declared.js';
import { ident, literal, mlColumns, type DataEngine, type Preprocessing } from '@prd/core';
import type { TopLevelSpec } from 'vega-lite';
import { gridOf, mapPanel, type CellValue, type Grid } from './geo.js';
import { divergingScale, sequentialScale } from './scales.js';
import { slug, type Plot } from './plot.js';

/** Which forecast maps to draw. */
export interface MapOptions {
  /** Validity times drawn (the wettest by radar coverage above the first threshold). */
  maxTimes: number;
  /** Members shown as postage stamps, at most. */
  maxMembers: number;
}

/** Column names of predictions.csv, from preprocessing.json. */
interface Columns {
  truth: string[];
  nwp: string[];
  ml: string[];
  thresholds: string[];
}

const META = { time: 'time', latitude: 'latitude', longitude: 'longitude', member: 'realization' };

/** Exceedance probabilities as the evaluators compute them: 1 - cumulative sum of band fractions, 0 below 1e-6. */
export function exceedances(fractions: number[]): number[] {
  let sum = 0;
  return fractions.map((f) => {
    sum += f;
    return 1 - sum < 1e-6 ? 0 : 1 - sum;
  });
}

/** Whether predictions.csv has what maps need: band targets and latitude / longitude / time columns. */
export function canMap(preprocessing: Preprocessing | undefined): preprocessing is Preprocessing {
  return !!preprocessing && preprocessing.task === 'bands' && [META.time, META.latitude, META.longitude].every((c) => preprocessing.metadata.includes(c));
}

function columnsOf(p: Preprocessing): Columns {
  return { truth: p.target.columns, nwp: p.baseline.kind === 'none' ? [] : p.baseline.columns, ml: mlColumns(p), thresholds: p.bands.map((b) => String(b.upper)) };
}

/** Rows of the ensemble mean per (time, cell): mean fractions, then exceedances. */
interface MeanRow {
  time: string;
  latitude: number;
  longitude: number;
  radar: number[];
  ml: number[];
  nwp: number[];
}

async function ensembleMeanRows(engine: DataEngine, csv: string, c: Columns): Promise<MeanRow[]> {
  const means = [...c.truth, ...c.ml, ...c.nwp].map((col, i) => `avg(${ident(col)})::DOUBLE AS v${i}`);
  const rows = await engine.rows(
    `SELECT CAST(${ident(META.time)} AS VARCHAR) AS time, ${ident(META.latitude)}::DOUBLE AS latitude, ${ident(META.longitude)}::DOUBLE AS longitude, ${means.join(', ')} ` +
      `FROM read_csv(${literal(csv)}, header = true) GROUP BY ALL ORDER BY time, latitude, longitude`,
  );
  const k = c.truth.length;
  return rows.map((r) => {
    const v = (i: number) => Number(r[`v${i}`]);
    const pick = (offset: number, n: number) => exceedances(Array.from({ length: n }, (_, i) => v(offset + i)));
    return { time: String(r.time), latitude: Number(r.latitude), longitude: Number(r.longitude), radar: pick(0, k), ml: pick(k, k), nwp: c.nwp.length ? pick(2 * k, k) : [] };
  });
}

function unitOf(p: Preprocessing): string {
  return p.prefixes.truth.includes('aggregate') ? 'mm' : 'mm/h';
}

/** The wettest times (mean radar exceedance of the first threshold), in time order. */
function wettestTimes(rows: MeanRow[], count: number): string[] {
  const wet = new Map<string, { sum: number; n: number }>();
  for (const r of rows) {
    const w = wet.get(r.time) ?? { sum: 0, n: 0 };
    w.sum += r.radar[0];
    w.n += 1;
    wet.set(r.time, w);
  }
  return [...wet.entries()].sort((a, b) => b[1].sum / b[1].n - a[1].sum / a[1].n || a[0].localeCompare(b[0])).slice(0, count).map(([t]) => t).sort();
}

function threePanel(title: string, panels: Array<Record<string, unknown>>): TopLevelSpec {
  return { title: { text: title, fontSize: 13 }, hconcat: panels, spacing: 18, resolve: { scale: { color: 'independent' } } } as unknown as TopLevelSpec;
}

/**
 * Three-panel maps per threshold and time (the seed's plot_forecast): radar, ML or NWP (ensemble mean of the
 * predictions), and forecast minus radar; then postage stamps of every member's ML forecast at the wettest time.
 */
export async function forecastMaps(engine: DataEngine, csv: string, p: Preprocessing, options: MapOptions): Promise<Plot[]> {
  const c = columnsOf(p);
  const unit = unitOf(p);
  const rows = await ensembleMeanRows(engine, csv, c);
  if (rows.length === 0) return [];
  const grid = gridOf(rows.map((r) => r.latitude), rows.map((r) => r.longitude));
  const times = wettestTimes(rows, options.maxTimes);
  const chosen = rows.filter((r) => times.includes(r.time));
  // The top threshold (220 mm/h) is all zeros in practice (up to float32 rounding of the softmax): skip thresholds
  // where no source exceeds half a percent anywhere, since such a map would only show that rounding.
  const visible = 0.005;
  const thresholds = c.thresholds.map((t, k) => ({ t, k })).filter(({ k }) => chosen.some((r) => r.radar[k] > visible || r.ml[k] > visible || (r.nwp[k] ?? 0) > visible));
  const sources = c.nwp.length ? (['ml', 'nwp'] as const) : (['ml'] as const);
  const plots: Plot[] = [];
  for (const { t, k } of thresholds) {
    for (const time of times) {
      const at = chosen.filter((r) => r.time === time);
      const cells = (f: (r: MeanRow) => number): CellValue[] => at.map((r) => ({ latitude: r.latitude, longitude: r.longitude, value: f(r) }));
      for (const source of sources) {
        const name = source === 'ml' ? 'ML' : 'NWP';
        const [radar, forecast, difference] = [cells((r) => r.radar[k]), cells((r) => r[source][k]), cells((r) => r[source][k] - r.radar[k])];
        // Radar and forecast share one scale, from both: their colours compare.
        const fraction = sequentialScale([...radar, ...forecast].map((c) => c.value), 'fraction');
        const panels = [
          mapPanel({ title: `Radar fraction of\nprecip > ${t} ${unit}`, grid, height: 300, values: radar, colour: fraction }),
          mapPanel({ title: `${name} ${source === 'ml' ? 'ensemble-mean fraction' : 'member probability'} of\nprecip > ${t} ${unit}`, grid, height: 300, values: forecast, colour: fraction }),
          mapPanel({ title: `Difference between\n${name} and radar`, grid, height: 300, values: difference, colour: divergingScale(difference.map((c) => c.value), `${name} - radar`) }),
        ];
        plots.push({ id: `map_${source}_${slug(t)}_${slug(time)}`, section: 'maps', group: `> ${t} ${unit}`, title: `${name} vs radar, > ${t} ${unit}, ${time}`, spec: threePanel(`${time}: ${name} vs radar, precip > ${t} ${unit}`, panels), embed: 'png' });
      }
    }
  }
  const stamps = await postageStamps(engine, csv, c, grid, times, unit, options);
  return stamps ? [...plots, stamps] : plots;
}

/** The seed's postage_stamp_plot: ML exceedance of one threshold for each member at the wettest time. */
async function postageStamps(engine: DataEngine, csv: string, c: Columns, grid: Grid, times: string[], unit: string, options: MapOptions): Promise<Plot | undefined> {
  const columns = await engine.rows(`DESCRIBE SELECT * FROM read_csv(${literal(csv)}, header = true)`);
  if (!columns.some((r) => r.column_name === META.member) || times.length === 0) return undefined;
  const k = Math.min(1, c.thresholds.length - 1);
  const threshold = c.thresholds[k];
  const wettest = times[0];
  const rows = await engine.rows(
    `SELECT ${ident(META.member)} AS member, ${ident(META.latitude)}::DOUBLE AS latitude, ${ident(META.longitude)}::DOUBLE AS longitude, ${c.ml.map((m, i) => `${ident(m)}::DOUBLE AS m${i}`).join(', ')} ` +
      `FROM read_csv(${literal(csv)}, header = true) WHERE CAST(${ident(META.time)} AS VARCHAR) = ${literal(wettest)} ORDER BY member, latitude, longitude`,
  );
  const members = [...new Set(rows.map((r) => Number(r.member)))].sort((a, b) => a - b).slice(0, options.maxMembers);
  if (members.length === 0) return undefined;
  const values = (member: number): CellValue[] =>
    rows.filter((r) => Number(r.member) === member).map((r) => ({ latitude: Number(r.latitude), longitude: Number(r.longitude), value: exceedances(c.ml.map((_, i) => Number(r[`m${i}`])))[k] }));
  const byMember = new Map(members.map((member) => [member, values(member)]));
  // One scale for every member, from all of them; the stamps are small, so their degrees are left to the lines.
  const colour = sequentialScale([...byMember.values()].flat().map((v) => v.value), 'fraction');
  const panels = members.map((member) => mapPanel({ title: `member=${member}`, grid, height: 170, values: byMember.get(member)!, colour, ticks: false }));
  const spec = { title: { text: `ML fraction of precip > ${threshold} ${unit}`, subtitle: wettest, fontSize: 13 }, concat: panels, columns: 6, spacing: 10, resolve: { scale: { color: 'shared' } } } as unknown as TopLevelSpec;
  return { id: `stamps_ml_${slug(threshold)}_${slug(wettest)}`, section: 'stamps', title: `Postage stamps: ML > ${threshold} ${unit}, ${wettest}`, spec, embed: 'png' };
}

/** One row of a `<score>_by_cell.csv` table. */
interface CellScore {
  aggregation: string;
  latitude: number;
  longitude: number;
  key: string;
  ml: number | null;
  nwp: number | null;
}

/** Parse a per-cell score table written by the precipitation evaluators. */
export function parseCellTable(text: string): CellScore[] {
  const [head, ...lines] = text.trim().split(/\r?\n/);
  const names = head.split(',');
  const at = (n: string) => names.indexOf(n);
  const value = (s: string | undefined) => (s === undefined || s === '' ? null : Number(s));
  return lines.map((line) => {
    const cells = line.split(',');
    return { aggregation: cells[at('aggregation')], latitude: Number(cells[at('latitude')]), longitude: Number(cells[at('longitude')]), key: cells[at('key')], ml: value(cells[at('ml')]), nwp: value(cells[at('nwp')]) };
  });
}

/** Where a frequency bias of 0 (no forecast rain where radar had some) is drawn: the wet-biased end of the scale. */
const NO_FORECAST_LOG_BIAS = -1;

/**
 * Per-grid-cell score maps (the seed's plot_metric_on_map): ML, NWP and their difference, oriented so that positive
 * means ML is better. Frequency bias is shown as log10 (0 = unbiased; a bias of 0 at the dry end, -1) and the
 * difference as |log10 NWP| - |log10 ML|.
 *
 * One rule for undefined cells: a score that is undefined in a cell (FSS 0/0 where neither radar nor forecast has
 * rain above the threshold; frequency bias where radar has none in the band) is drawn grey, and the legend says so.
 * The seed filled undefined FSS with 0 (`fss_grid.fillna(0)`, §8.5), which paints a forecast that is right about no
 * rain as having no skill. White is a cell with no data.
 */
export function cellScoreMaps(split: string, score: string, rows: CellScore[], unit: string, declared: Declared): Plot[] {
  const members = rows.filter((r) => r.aggregation === 'members');
  if (members.length === 0) return [];
  const grid = gridOf(members.map((r) => r.latitude), members.map((r) => r.longitude));
  const keys = [...new Set(members.map((r) => r.key))];
  // A ratio with an ideal value (a bias) is mapped as log10 of the ratio, so that 0 is perfect.
  const metric = declared.metric(score);
  const bias = metric?.direction === 'ideal' && metric.ratio === true;
  const fss = score === 'fss';
  const shown = (v: number | null) => (v === null ? null : bias ? (v > 0 ? Math.log10(v) : NO_FORECAST_LOG_BIAS) : v);
  const undefinedLabel = bias ? 'bias undefined (no radar rain)' : fss ? 'FSS undefined (0/0, no rain)' : 'score undefined';
  const why = bias ? 'the bias is undefined where radar has no rain in the band; a bias of 0 (no forecast rain there) is drawn at -1' : fss ? 'FSS is 0/0 where neither radar nor forecast has rain above the threshold' : 'the score is undefined';
  const caption = `Grey: ${why} (the seed filled undefined FSS with 0). White: no data in that cell.`;
  const title = bias ? `${declared.title(score).toLowerCase()} (log10)` : declared.title(score).toLowerCase();
  const label = (key: string) => declared.keyLabel(score, key, unit);
  return keys
    .map((key) => {
      const at = members.filter((r) => r.key === key);
      if (at.every((r) => r.ml === null && r.nwp === null)) return undefined;
      const cells = (f: (r: CellScore) => number | null) => at.map((r) => ({ latitude: r.latitude, longitude: r.longitude, value: f(r) }));
      const [ml, nwp] = [cells((r) => shown(r.ml)), cells((r) => shown(r.nwp))];
      // ML and NWP share one scale, from both; a log bias is centred on 0 (unbiased).
      const both = [...ml, ...nwp].map((c) => c.value);
      const legendTitle = bias ? 'log10 bias' : declared.title(score);
      const colour = bias ? divergingScale(both, legendTitle) : sequentialScale(both, legendTitle);
      const diff = (r: CellScore) => {
        const [m, n] = [shown(r.ml), shown(r.nwp)];
        if (m === null || n === null) return null;
        return bias ? Math.abs(n) - Math.abs(m) : metric?.direction === 'lower' ? n - m : m - n;
      };
      const differences = cells(diff);
      const panels = [
        mapPanel({ title: `ML ${title}\n(${label(key)})`, grid, height: 300, values: ml, colour, undefinedLabel }),
        ...(at.some((r) => r.nwp !== null)
          ? [
              mapPanel({ title: `NWP ${title}\n(${label(key)})`, grid, height: 300, values: nwp, colour, undefinedLabel }),
              mapPanel({ title: `Difference between ML and NWP\n(positive: ML better)`, grid, height: 300, values: differences, colour: divergingScale(differences.map((c) => c.value), 'ML better by'), undefinedLabel }),
            ]
          : []),
      ];
      const plot: Plot = { id: `cells_${split}_${score}_${slug(key)}`, section: 'cell-maps', group: title, title: `${title} per grid cell, ${label(key)}`, caption, spec: threePanel(`${title} per grid cell, ${label(key)} (${split})`, panels), embed: 'png' };
      return plot;
    })
    .filter((p): p is Plot => p !== undefined);
}
