import { Type } from '@sinclair/typebox';
import { definePlugin, type Domain } from '@prd/core';
import { BAND_SETS } from './bands.js';
import { withNwpBandProbabilities } from './nwp.js';

/** Columns identifying a row of the seed's merged files. */
export const DEFAULT_METADATA = ['time', 'realization', 'latitude', 'longitude'];
/** The ensemble member column. */
export const MEMBER_COLUMN = 'realization';
/** Column prefix of the radar band fractions (the truth). */
export const DEFAULT_TARGET_SOURCE = 'radar_fraction_in_band_instant';
/** Column prefix of the NWP (MOGREPS-G) band probabilities (the baseline). */
export const DEFAULT_NWP_SOURCE = 'mogrepsg_fraction_in_band_instant';

/** The ML column prefix that mirrors a truth prefix: `radar_fraction_in_band_instant` -> `ml_fraction_in_band_instant`. */
export function mlPrefix(truthPrefix: string): string {
  return truthPrefix.startsWith('radar_') ? `ml_${truthPrefix.slice('radar_'.length)}` : `ml_${truthPrefix}`;
}

/** Precipitation from NWP ensembles against radar: the seed's bands, column names and NWP band probabilities. */
export const precipDomain: Domain = {
  bandSets: BAND_SETS,
  defaults: { metadata: DEFAULT_METADATA, member: MEMBER_COLUMN, targetSource: DEFAULT_TARGET_SOURCE, nwpSource: DEFAULT_NWP_SOURCE },
  mlPrefix,
  ensembleProbabilities: withNwpBandProbabilities,
};

/** The `precip` domain plugin: the default `data.domain` of every recipe. */
export const precip = definePlugin({
  kind: 'domain',
  name: 'precip',
  description: "Precipitation re-diagnosis: the seed's intensity bands, radar / MOGREPS-G column names, NWP band probabilities from member rates.",
  options: Type.Object({}, { additionalProperties: false }),
  create: () => precipDomain,
});
