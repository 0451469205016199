import { BAND_SETS } from './bands.js';
import { ident, literal } from '@prd/core';
import { profileColumn, seedMergedColumns, SEED_GRID, SEED_HEIGHTS, type SeedColumnOrder } from './seed-schema.js';

/** What the synthetic generator makes. */
export interface SyntheticOptions {
  /** Seeds every random draw; the same seed always gives the same rows. */
  seed: number;
  /** Number of events, or their names. */
  events: number | string[];
  /** Validity times per event, 6 hours apart. */
  times: number;
  /** Grid cells per time (at most 1,530, the seed's 51 x 30 MOGREPS-G grid). */
  cells: number;
  /** Ensemble members per cell (the seed has 18). */
  members: number;
  /** Column order of the merged table. */
  columnOrder?: SeedColumnOrder;
}

/** One synthetic event: its name and first and last validity time. */
export interface SyntheticEvent {
  index: number;
  name: string;
  start: Date;
  end: Date;
}

/** Largest grid the generator makes (the seed's model grid). */
export const SYNTHETIC_MAX_CELLS = SEED_GRID.latitude.count * SEED_GRID.longitude.count;

const HOUR = 3_600_000;
// Events start 23 days apart from a winter evening, so their times never overlap.
const FIRST_START = Date.UTC(2020, 0, 4, 18);
const EVENT_SPACING_DAYS = 23;
// A MOGREPS-G cell (0.1875 x 0.28125 degrees) holds about 400 1-km radar cells.
const RADAR_CELLS = 380;
const RADAR_CELLS_SPREAD = 41;

/** The events a synthetic dataset has, with their validity-time ranges. */
export function syntheticEvents(options: Pick<SyntheticOptions, 'events' | 'times'>): SyntheticEvent[] {
  const names = typeof options.events === 'number' ? Array.from({ length: options.events }, (_, i) => defaultEventName(i)) : options.events;
  return names.map((name, index) => {
    const start = new Date(FIRST_START + index * EVENT_SPACING_DAYS * 24 * HOUR);
    return { index, name, start, end: new Date(start.getTime() + (options.times - 1) * 6 * HOUR) };
  });
}

function defaultEventName(index: number): string {
  const start = new Date(FIRST_START + index * EVENT_SPACING_DAYS * 24 * HOUR);
  return `${start.getUTCFullYear()}${String(start.getUTCMonth() + 1).padStart(2, '0')}_synthetic_${String(index + 1).padStart(2, '0')}`;
}

/** Rows the options make: events x times x cells x members. */
export function syntheticRowCount(options: SyntheticOptions): number {
  return syntheticEvents(options).length * options.times * options.cells * options.members;
}

// ----- seeded noise in SQL -----
// DuckDB's hash() of the seed and a row's coordinates gives reproducible noise without any state, so the rows can
// be made in parallel and in any order.

const INV_2_53 = '1.1102230246251565e-16';

function uniform(seed: number, args: string): string {
  return `((hash(${seed}::BIGINT, ${args}) >> 11)::DOUBLE * ${INV_2_53})`;
}

function normal(seed: number, args: string): string {
  return `(sqrt(-2 * ln(greatest(${uniform(seed, `${args}, 1`)}, 1e-12))) * cos(6.283185307179586 * ${uniform(seed, `${args}, 2`)}))`;
}

/**
 * A smooth random field of unit variance: a sum of `waves` plane waves with random direction, wavelength in
 * `[minKm, maxKm]` and phase, moving at 20-60 km/h. `key` names what the waves depend on (an event, a member).
 */
function waveField(seed: number, key: string, field: number, waves: number, minKm: number, maxKm: number, hours: string): string {
  const amplitude = Math.sqrt(2 / waves).toFixed(6);
  const terms: string[] = [];
  for (let k = 0; k < waves; k++) {
    const args = `${key}, ${field}, ${k}`;
    const wavenumber = `(6.283185307179586 / (${minKm} + ${maxKm - minKm} * ${uniform(seed, `${args}, 101`)}))`;
    const angle = `(6.283185307179586 * ${uniform(seed, `${args}, 102`)})`;
    const speed = `(20 + 40 * ${uniform(seed, `${args}, 103`)})`;
    const phase = `(6.283185307179586 * ${uniform(seed, `${args}, 104`)})`;
    terms.push(`${amplitude} * sin(${wavenumber} * (x * cos(${angle}) + y * sin(${angle}) - ${speed} * ${hours}) + ${phase})`);
  }
  return `(${terms.join(' + ')})`;
}

function sigmoid(expr: string): string {
  return `(1 / (1 + exp(-(${expr}))))`;
}

function clip(expr: string, lo: number, hi: number): string {
  return `least(${hi}, greatest(${lo}, ${expr}))`;
}

// ----- the generator -----

/**
 * SQL of a synthetic dataset in the seed's merged-CSV schema (233 columns, seed-pipeline.md §1.4) plus an `event`
 * column, ordered by event, time, member, latitude, longitude. Deterministic for a seed (and a DuckDB version).
 *
 * The weather: smooth moving fields of moisture q, forcing w (lift), instability s and a temperature anomaly per
 * event; each member sees them with its own smooth and random perturbations, and its profiles follow from its
 * state: humidity and cloud in a 1-4 km layer grow with q (cloud also with w), low pressure and strong winds come
 * with w, the lapse rate steepens with s. Wind direction is an independent field that the truth does not use.
 * The radar truth comes from the true (unperturbed) state: a rain coverage and a log-normal sub-grid rain-rate
 * distribution whose median grows with q, w, s, temperature and orographic lift; about 400 1-km radar pixels per
 * cell are drawn from it, quantised to 1/32 mm/h as radar composites are, and counted into closed bands
 * (`lo <= v <= hi`), so a pixel on a boundary counts twice and fractions can sum to more than 1, as in the seed.
 * The NWP member rates come from each member's own state through a biased relation (drizzle where the radar is
 * dry, too little heavy rain, noisy), and the NWP band probabilities are the fraction of members in half-open
 * bands per (time, cell), as the seed's data prep computes them.
 */
export function syntheticSql(options: SyntheticOptions, eventIndices?: readonly number[]): string {
  const seed = Math.floor(options.seed);
  const events = syntheticEvents(options).filter((e) => !eventIndices || eventIndices.includes(e.index));
  if (events.length === 0) throw new Error('synthetic data: no events selected');
  const bands = BAND_SETS['standard-5'];
  const { latitude: lat, longitude: lon } = SEED_GRID;
  const eventRows = events
    .map((e) => `(${e.index}, ${literal(e.name)}, TIMESTAMP ${literal(e.start.toISOString().slice(0, 19).replace('T', ' '))})`)
    .join(', ');
  // Cell centres 18.3 km apart in x (0.28125 degrees at 54N) and 20.8 km in y; the chosen cells are those nearest
  // the grid centre, a compact blob like the radar coverage of the UK.
  const cellSql = `SELECT i, j, (${lat.first} + ${lat.step} * i)::DOUBLE AS latitude, (${lon.first} + ${lon.step} * j)::DOUBLE AS longitude,
      j * 18.3 AS x, i * 20.8 AS y
    FROM range(${lat.count}) a(i), range(${lon.count}) b(j)
    ORDER BY ((i - ${(lat.count - 1) / 2}) * 20.8) ^ 2 + ((j - ${(lon.count - 1) / 2}) * 18.3) ^ 2, i, j
    LIMIT ${Math.min(options.cells, SYNTHETIC_MAX_CELLS)}`;

  const truthIndex = `(q + 0.7 * w + 0.35 * s + 0.3 * greatest(oro, 0) * greatest(w, 0) + 0.05 * (tev - 281))`;
  const keySql = `SELECT tm.e, tm.event, tm.t, tm.time, cell.i, cell.j, cell.latitude, cell.longitude, cell.x, cell.y,
      ${waveField(seed, 'tm.e', 0, 6, 250, 900, '(6 * tm.t)')} + 0.15 * ${uniform(seed, 'tm.e, 50')} AS q,
      ${waveField(seed, 'tm.e', 1, 6, 300, 1000, '(6 * tm.t)')} AS w,
      ${waveField(seed, 'tm.e', 2, 5, 400, 1200, '(6 * tm.t)')} AS s,
      ${waveField(seed, 'tm.e', 3, 4, 600, 1500, '(6 * tm.t)')} AS ta,
      ${waveField(seed, 'tm.e', 4, 4, 500, 1500, '(6 * tm.t)')} AS d,
      ${waveField(seed, '999', 5, 6, 120, 500, '0')} AS oro,
      279 + 6 * ${uniform(seed, 'tm.e, 51')} AS tev
    FROM tm, cell`;
  const radarSql = `SELECT *,
      ${truthIndex} AS ti,
      CASE WHEN ${truthIndex} <= 0.1 THEN 0 ELSE least(1, ((${truthIndex} - 0.1) / 1.8) ^ 0.8) END AS cov,
      exp(-2.0 + 0.8 * ${truthIndex} + 0.45 * s + 0.04 * (tev - 281)) AS rmed,
      0.8 + 0.4 * ${sigmoid('2 * s')} AS rsig,
      (${RADAR_CELLS} + hash(${seed}::BIGINT, i, j, 5) % ${RADAR_CELLS_SPREAD})::INTEGER AS npix
    FROM kk`;
  const pixelSql = `SELECT e, t, i, j,
      CASE WHEN u < cov THEN round(rmed * exp(rsig * z1) * 32) / 32 ELSE 0 END AS inst,
      CASE WHEN u < least(1, cov * 1.25 + CASE WHEN cov > 0 THEN 0.02 ELSE 0 END)
        THEN round(3 * rmed * exp(rsig * (0.7 * z1 + 0.714 * z2)) * 32) / 32 ELSE 0 END AS agg
    FROM (SELECT e, t, i, j, cov, rmed, rsig,
        ${uniform(seed, 'e, t, i, j, p, 11')} AS u,
        ${normal(seed, 'e, t, i, j, p, 12')} AS z1,
        ${normal(seed, 'e, t, i, j, p, 13')} AS z2
      FROM kr, range(${RADAR_CELLS + RADAR_CELLS_SPREAD}) r(p) WHERE p < npix AND cov > 0)`;
  const bandFraction = (column: string, lo: number, hi: number, closed: boolean) =>
    `avg(CASE WHEN ${column} >= ${lo} AND ${column} ${closed ? '<=' : '<'} ${hi} THEN 1.0 ELSE 0.0 END)`;
  const radarAggSql = `SELECT kr.e, kr.t, kr.i, kr.j,
      coalesce(max(agg), 0) AS radar_max_rain_aggregate_3hr,
      coalesce(sum(agg), 0) / any_value(npix) AS radar_mean_rain_aggregate_3hr,
      coalesce(max(inst), 0) AS radar_max_rain_instant,
      coalesce(sum(inst), 0) / any_value(npix) AS radar_mean_rain_instant,
      ${bands.map((b) => `(coalesce(count(*) FILTER (WHERE agg >= ${b.lower} AND agg <= ${b.upper}), 0)${b.lower === 0 ? ' + any_value(npix) - count(agg)' : ''})::DOUBLE / any_value(npix) AS ${ident(`radar_fraction_in_band_aggregate_3hr_${b.key}`)}`).join(',\n      ')},
      ${bands.map((b) => `(coalesce(count(*) FILTER (WHERE inst >= ${b.lower} AND inst <= ${b.upper}), 0)${b.lower === 0 ? ' + any_value(npix) - count(inst)' : ''})::DOUBLE / any_value(npix) AS ${ident(`radar_fraction_in_band_instant_${b.key}`)}`).join(',\n      ')}
    FROM kr LEFT JOIN pix ON kr.e = pix.e AND kr.t = pix.t AND kr.i = pix.i AND kr.j = pix.j
    GROUP BY kr.e, kr.t, kr.i, kr.j`;
  // Odd cycles label their members 17..34, as some MOGREPS-G cycles in the seed's data do (§1.2).
  const labelOffset = options.members <= 18 ? `CASE WHEN kk.t % 2 = 1 THEN 17 ELSE 0 END` : '0';
  const memberWave = (field: number) => waveField(seed, 'kk.e, kk.t, m', 10 + field, 2, 150, 450, '0');
  const memberSql = `SELECT kk.e, kk.event, kk.t, kk.time, kk.i, kk.j, kk.latitude, kk.longitude, m,
      ${labelOffset} + m AS realization,
      hash(${seed}::BIGINT, kk.e, kk.t, kk.i, kk.j, m) AS rk,
      q + 0.45 * ${memberWave(0)} + 0.25 * ${normal(seed, 'kk.e, kk.t, kk.i, kk.j, m, 21')} AS qm,
      w + 0.45 * ${memberWave(1)} + 0.25 * ${normal(seed, 'kk.e, kk.t, kk.i, kk.j, m, 22')} AS wm,
      s + 0.3 * ${normal(seed, 'kk.e, kk.t, kk.i, kk.j, m, 23')} AS sm,
      tev + 2.5 * ta - 0.6 * (kk.latitude - 54) + 0.4 * ${normal(seed, 'kk.e, kk.t, kk.i, kk.j, m, 24')} AS t0m,
      d + 0.1 * ${normal(seed, 'kk.e, kk.t, kk.i, kk.j, m, 25')} AS dm,
      ta,
      round(greatest(0, 420 * (oro - 0.35)), 1) AS alt,
      ${normal(seed, 'kk.e, kk.t, kk.i, kk.j, m, 26')} AS nr,
      ${normal(seed, 'kk.e, kk.t, kk.i, kk.j, m, 27')} AS np
    FROM kk, range(${options.members}) r(m)`;
  // NWP precipitation: too ready to drizzle, too weak at the top end, and noisy.
  const nwpIndex = '(qm + 0.7 * wm + 0.35 * sm)';
  const rateSql = `SELECT *,
      CASE WHEN ${nwpIndex} > -0.1 THEN exp(-1.7 + 0.6 * ${nwpIndex} + 0.5 * nr) ELSE 0 END AS nwp,
      ${sigmoid('1.5 * sm')} AS convf,
      ${sigmoid('1.5 * (274.5 - t0m)')} AS snowf,
      round(101300 - 1200 * wm - 700 * qm + 250 * np, 0) AS mslp
    FROM mem0`;
  const partsSql = `SELECT *,
      round(nwp * (1 - convf) * (1 - snowf), 6) AS rainfall_rate,
      round(nwp * convf * (1 - snowf), 6) AS convective_rainfall_rate,
      round(nwp * (1 - convf) * snowf, 6) AS lwe_snowfall_rate,
      round(nwp * convf * snowf, 6) AS lwe_convective_snowfall_rate
    FROM mem1`;
  const nwpSql = `SELECT e, t, i, j,
      ${bands.map((b) => `${bandFraction('total_precip_rate', b.lower, b.upper, false)} AS ${ident(`mogrepsg_fraction_in_band_instant_${b.key}`)}`).join(',\n      ')}
    FROM mem GROUP BY e, t, i, j`;

  const profileSelect = profileExpressions();
  const cloudColumns = SEED_HEIGHTS.map((h) => ident(profileColumn('cloud_volume_fraction_in_atmosphere_layer', h)));
  const derived: Record<string, string> = {
    cloud_area_fraction: `round(greatest(${cloudColumns.join(', ')}), 4)`,
    surface_altitude: 'alt',
    air_pressure_at_sea_level: 'mslp',
    forecast_period: `'0 days 06:00:00'`,
    forecast_reference_time: `time - INTERVAL 6 HOUR`,
    fraction_sum_agg: bands.map((b) => ident(`radar_fraction_in_band_aggregate_3hr_${b.key}`)).join(' + '),
    fraction_sum_instant: bands.map((b) => ident(`radar_fraction_in_band_instant_${b.key}`)).join(' + '),
  };
  const finalColumns = seedMergedColumns(options.columnOrder ?? 'model-first')
    .map((c) => (derived[c] ? `${derived[c]} AS ${ident(c)}` : ident(c)))
    .concat('event');

  return `WITH
  ev(e, event, start) AS (VALUES ${eventRows}),
  tm AS (SELECT e, event, t, start + to_hours(6 * t) AS time FROM ev, range(${options.times}) r(t)),
  cell AS (${cellSql}),
  kk AS MATERIALIZED (${keySql}),
  kr AS MATERIALIZED (${radarSql}),
  pix AS (${pixelSql}),
  rad AS (${radarAggSql}),
  mem0 AS (${memberSql}),
  mem1 AS (${rateSql}),
  mem AS MATERIALIZED (SELECT *, round(rainfall_rate + convective_rainfall_rate + lwe_snowfall_rate + lwe_convective_snowfall_rate, 6) AS total_precip_rate FROM (${partsSql})),
  nwpb AS (${nwpSql}),
  ordered AS (SELECT mem.*, rad.* EXCLUDE (e, t, i, j), nwpb.* EXCLUDE (e, t, i, j)
    FROM mem JOIN rad ON mem.e = rad.e AND mem.t = rad.t AND mem.i = rad.i AND mem.j = rad.j
    JOIN nwpb ON mem.e = nwpb.e AND mem.t = nwpb.t AND mem.i = nwpb.i AND mem.j = nwpb.j
    ORDER BY mem.e, mem.t, mem.m, mem.i, mem.j),
  pin AS (SELECT *, ${profileInputs()} FROM ordered),
  prof AS (SELECT *, ${profileSelect} FROM pin)
SELECT ${finalColumns.join(', ')} FROM prof`;
}

/** Per-row quantities the profile columns share, computed once per row. */
function profileInputs(): string {
  const hashes = SEED_HEIGHTS.map((_, h) => `hash(rk, ${h}) AS hz${h}`);
  const humidity = SEED_HEIGHTS.map((height, h) => {
    const km = height / 1000;
    // A moist layer centred near 2.2 km that fills with q.
    const layer = Math.exp(-(((km - 2.2) / 1.6) ** 2)).toFixed(5);
    return `${clip(`${(0.8 - 0.06 * km).toFixed(4)} + ${layer} * 0.22 * qm + 0.04 * ${noise(`hash(rk, ${h})`, 1)}`, 0.02, 1)} AS rh${h}`;
  });
  return [
    `(0.7 + 0.3 * ${sigmoid('wm')}) / 0.18 AS cw`,
    'mslp * exp(-alt * 9.81 / (287 * t0m)) AS psfc',
    '9.81 / (287 * t0m) AS ih',
    '6.5 + 1.2 * sm AS lapse',
    '7 + 3.5 * wm + 1.5 * abs(ta) AS sp0',
    '3 * (1 + 0.3 * wm) AS sp1',
    '200 + 70 * dm AS dir0',
    ...hashes,
    ...humidity,
  ].join(',\n  ');
}

/**
 * Noise of unit variance for profile variable `v` from a per-(row, height) hash: each hash holds six 10-bit
 * uniform draws, one per variable, which is much cheaper than a hash per value.
 */
function noise(hashExpr: string, v: number): string {
  return `(((${hashExpr} >> ${10 * v}) & 1023)::DOUBLE * 0.0033829638 - 1.7303)`;
}

/** The 198 profile columns as SQL expressions of a member's state and the shared per-row inputs. */
function profileExpressions(): string {
  const out: string[] = [];
  SEED_HEIGHTS.forEach((height, h) => {
    const km = height / 1000;
    const nz = (v: number) => noise(`hz${h}`, v);
    const cloud = clip(`(rh${h} - 0.82) * cw + 0.05 * ${nz(0)}`, 0, 1);
    const temperature = `t0m - lapse * ${km} + 0.15 * ${nz(3)}`;
    // Hypsometric: the layer's mean temperature falls about 3.25 K per km of height.
    const pressure = `psfc * exp(-${(height / (1 - (3.25 * km) / 2 / 280)).toFixed(3)} * ih) + 8 * ${nz(2)}`;
    const boundary = (0.35 + 0.65 * Math.min(1, Math.log(1 + height / 10) / Math.log(101))).toFixed(5);
    const speed = `greatest(0.1, sp0 * ${boundary} + sp1 * ${km} + 0.6 * ${nz(5)})`;
    const direction = `dir0 + ${(6 * km).toFixed(3)} + 5 * ${nz(4)}`;
    out.push(
      `round(${cloud}, 4) AS ${ident(profileColumn('cloud_volume_fraction_in_atmosphere_layer', height))}`,
      `round(rh${h}, 4) AS ${ident(profileColumn('relative_humidity', height))}`,
      `round(${pressure}, 1) AS ${ident(profileColumn('air_pressure', height))}`,
      `round(${temperature}, 2) AS ${ident(profileColumn('air_temperature', height))}`,
      `round(${direction} - 360 * floor((${direction}) / 360), 1) AS ${ident(profileColumn('wind_from_direction', height))}`,
      `round(${speed}, 2) AS ${ident(profileColumn('wind_speed', height))}`,
    );
  });
  return out.join(',\n  ');
}
