import type { AnyPlugin } from '@prd/core';
import { bandPlugins } from './bands.js';
import { filterPlugins } from './filters.js';

export { dropDry, dropMissing, rangeFilter } from './filters.js';
export { exceedance, nwpBands } from './bands.js';

const plugins: AnyPlugin[] = [...filterPlugins, ...bandPlugins];
export default plugins;
