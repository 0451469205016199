/**
 * @prd/precip: the precipitation domain of prd, kept out of the engine. Plugins import it; core never does (the
 * engine reaches it only through the `precip` domain plugin).
 */
export { BAND_SETS, BAND_SET_NAMES } from './bands.js';
export { DEFAULT_METADATA, DEFAULT_NWP_SOURCE, DEFAULT_TARGET_SOURCE, MEMBER_COLUMN, mlPrefix, precip, precipDomain } from './domain.js';
export { nwpBandProbabilitySql, withNwpBandProbabilities } from './nwp.js';
export {
  SEED_HEIGHTS,
  SEED_PROFILE_VARIABLES,
  SEED_SINGLE_LEVEL,
  SEED_RADAR_SCALARS,
  SEED_TEXT_COLUMNS,
  SEED_GRID,
  profileColumn,
  seedMergedColumns,
  seedMergedFileName,
  seedFileTimestamp,
  type SeedColumnOrder,
} from './seed-schema.js';
export { writeSyntheticFiles, type SyntheticFileOptions, type WrittenFile } from './synthetic-files.js';
export { syntheticSql, syntheticEvents, syntheticRowCount, SYNTHETIC_MAX_CELLS, type SyntheticEvent, type SyntheticOptions } from './synthetic.js';
