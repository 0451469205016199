import { ident, literal, mlColumns, type DataEngine, type Preprocessing } from '@prd/core';
import type { TopLevelSpec } from 'vega-lite';
import type { Plot } from './plot.js';

const PALETTE: Record<string, string> = { 'ML member': '#b0b0b0', Radar: '#2ca02c', NWP: '#ff7f0e', 'ML (mean)': '#1f77b4' };
const META = { time: 'time', latitude: 'latitude', longitude: 'longitude', member: 'realization' };

/**
 * The seed's per-location line plot (§8.5): at one time and grid cell, every member's ML band fractions as thin
 * grey lines, with the radar fractions, the NWP member probabilities and the ML ensemble mean (dashed). The seed
 * took the first (time, cell) group; prd takes the wettest (largest radar fraction above the first band) so the
 * figure shows rain.
 */
export async function memberLinePlot(engine: DataEngine, csv: string, p: Preprocessing): Promise<Plot | undefined> {
  if (p.task !== 'bands' || !Object.values(META).every((c) => p.metadata.includes(c))) return undefined;
  const truth = p.target.columns;
  const ml = mlColumns(p);
  const nwp = p.baseline.kind === 'none' ? [] : p.baseline.columns;
  const from = `read_csv(${literal(csv)}, header = true)`;
  const [where] = await engine.rows<{ time: string; latitude: number; longitude: number }>(
    `SELECT CAST(${ident(META.time)} AS VARCHAR) AS time, ${ident(META.latitude)}::DOUBLE AS latitude, ${ident(META.longitude)}::DOUBLE AS longitude FROM ${from} ` +
      `GROUP BY ALL ORDER BY avg(1 - ${ident(truth[0])}) DESC, time, latitude, longitude LIMIT 1`,
  );
  if (!where) return undefined;
  const cols = [...truth, ...nwp, ...ml].map((c, i) => `${ident(c)}::DOUBLE AS v${i}`).join(', ');
  const rows = await engine.rows(
    `SELECT ${ident(META.member)} AS member, ${cols} FROM ${from} WHERE CAST(${ident(META.time)} AS VARCHAR) = ${literal(where.time)} AND ${ident(META.latitude)}::DOUBLE = ${Number(where.latitude)} AND ${ident(META.longitude)}::DOUBLE = ${Number(where.longitude)} ORDER BY member`,
  );
  const unit = p.prefixes.truth.includes('aggregate') ? 'mm' : 'mm/h';
  const labels = p.bands.map((b) => `${b.lower}-${b.upper} ${unit}`);
  const k = truth.length;
  const mean = (offset: number) => labels.map((_, i) => rows.reduce((s, r) => s + Number(r[`v${offset + i}`]), 0) / rows.length);
  const lines = [
    ...rows.flatMap((r) => labels.map((band, i) => ({ band, value: Number(r[`v${k + nwp.length + i}`]), series: `member ${r.member}`, kind: 'ML member' }))),
    ...mean(0).map((value, i) => ({ band: labels[i], value, series: 'Radar', kind: 'Radar' })),
    ...(nwp.length ? mean(k).map((value, i) => ({ band: labels[i], value, series: 'NWP', kind: 'NWP' })) : []),
    ...mean(k + nwp.length).map((value, i) => ({ band: labels[i], value, series: 'ML (mean)', kind: 'ML (mean)' })),
  ];
  const kinds = ['ML member', 'Radar', ...(nwp.length ? ['NWP'] : []), 'ML (mean)'];
  const spec = {
    title: { text: `${where.time}, (${where.latitude}, ${where.longitude})`, subtitle: `band fractions of ${rows.length} members at the wettest time and cell of the test split` },
    width: 360,
    height: 240,
    data: { values: lines },
    mark: { type: 'line', point: { size: 12 } },
    encoding: {
      x: { field: 'band', type: 'ordinal', sort: labels, title: 'Precip intensity band', axis: { labelAngle: -35 } },
      y: { field: 'value', type: 'quantitative', title: 'Fraction', scale: { domain: [0, 1] } },
      detail: { field: 'series', type: 'nominal' },
      color: { field: 'kind', type: 'nominal', title: null, scale: { domain: kinds, range: kinds.map((k) => PALETTE[k]) } },
      strokeWidth: { condition: { test: "datum.kind === 'ML member'", value: 0.6 }, value: 2 },
      strokeDash: { condition: { test: "datum.kind === 'ML (mean)'", value: [6, 3] }, value: [1, 0] },
      opacity: { condition: { test: "datum.kind === 'ML member'", value: 0.7 }, value: 1 },
    },
  } as TopLevelSpec;
  return { id: 'location_members', section: 'stamps', title: 'Members at one location', spec, embed: 'svg' };
}
