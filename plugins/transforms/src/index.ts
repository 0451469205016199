import type { AnyPlugin } from '@prd/core';
import { bandPlugins } from './bands.js';
import { binaryPlugins } from './binary.js';
import { filterPlugins } from './filters.js';

export { dropDry, dropMissing, rangeFilter } from './filters.js';
export { exceedance, nwpBands } from './bands.js';
export { binaryTarget } from './binary.js';

const plugins: AnyPlugin[] = [...filterPlugins, ...bandPlugins, ...binaryPlugins];
export default plugins;
