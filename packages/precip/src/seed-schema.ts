import { BAND_SETS } from './bands.js';

/** The 33 profile heights (m) of the seed's merged files, ascending (seed-pipeline.md §1.4). */
export const SEED_HEIGHTS: readonly number[] = [
  5, 10, 20, 30, 50, 75, 100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750,
  3000, 3250, 3500, 3750, 4000, 4500, 5000, 5500, 6000,
];

/** Profile variables in the seed's CSV block order. */
export const SEED_PROFILE_VARIABLES: readonly string[] = [
  'cloud_volume_fraction_in_atmosphere_layer',
  'relative_humidity',
  'air_pressure',
  'air_temperature',
  'wind_from_direction',
  'wind_speed',
];

/** Single-level model columns, in file order. */
export const SEED_SINGLE_LEVEL: readonly string[] = [
  'cloud_area_fraction',
  'surface_altitude',
  'air_pressure_at_sea_level',
  'rainfall_rate',
  'convective_rainfall_rate',
  'lwe_snowfall_rate',
  'lwe_convective_snowfall_rate',
];

/** Radar scalar columns, in file order. */
export const SEED_RADAR_SCALARS: readonly string[] = [
  'radar_max_rain_aggregate_3hr',
  'radar_mean_rain_aggregate_3hr',
  'radar_max_rain_instant',
  'radar_mean_rain_instant',
  'fraction_sum_agg',
  'fraction_sum_instant',
];

/** Columns that are not numbers in a merged file. */
export const SEED_TEXT_COLUMNS: readonly string[] = ['forecast_period', 'forecast_reference_time', 'time'];

/** Profile column name as the seed writes it: `f'{var}_{height:.1f}'`. */
export function profileColumn(variable: string, height: number): string {
  return `${variable}_${height.toFixed(1)}`;
}

/** Column order of a merged file: model table first (most events) or radar table first (§1.5). */
export type SeedColumnOrder = 'model-first' | 'radar-first';

/**
 * The 233 columns of a merged file as the seed's data prep writes them at HEAD (seed-pipeline.md §1.4, §1.5), for
 * the standard 5 bands.
 */
export function seedMergedColumns(order: SeedColumnOrder = 'model-first'): string[] {
  const keys = BAND_SETS['standard-5'].map((b) => b.key);
  const profiles = SEED_PROFILE_VARIABLES.flatMap((v) => SEED_HEIGHTS.map((h) => profileColumn(v, h)));
  const model = [
    ...SEED_SINGLE_LEVEL,
    'total_precip_rate',
    ...keys.map((k) => `mogrepsg_fraction_in_band_instant_${k}`),
    ...profiles,
  ];
  const radar = [
    ...SEED_RADAR_SCALARS,
    ...keys.map((k) => `radar_fraction_in_band_aggregate_3hr_${k}`),
    ...keys.map((k) => `radar_fraction_in_band_instant_${k}`),
  ];
  const modelCoords = ['realization', 'latitude', 'longitude', 'forecast_period', 'forecast_reference_time', 'time'];
  if (order === 'model-first') return [...modelCoords, ...model, ...radar];
  return ['time', 'latitude', 'longitude', ...radar, 'realization', 'forecast_period', 'forecast_reference_time', ...model];
}

/** The MOGREPS-G model grid of the seed's merged data: 51 latitudes x 30 longitudes (§1.3). */
export const SEED_GRID = {
  latitude: { first: 49.40625, step: 0.1875, count: 51 },
  longitude: { first: -5.484375, step: 0.28125, count: 30 },
} as const;

/** `prd_merged_<START>_<END>.csv` timestamps: `YYYYMMDDTHHMMZ` (§1.1). */
export function seedFileTimestamp(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}T${p(date.getUTCHours())}${p(date.getUTCMinutes())}Z`;
}

/** File name of a merged file covering validity times `start` to `end`. */
export function seedMergedFileName(start: Date, end: Date): string {
  return `prd_merged_${seedFileTimestamp(start)}_${seedFileTimestamp(end)}.csv`;
}
