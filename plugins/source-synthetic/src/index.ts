import type { AnyPlugin } from '@prd/core';
import { syntheticSource } from './plugin.js';

export { openSynthetic, syntheticSource, SyntheticSourceOptions } from './plugin.js';

const plugins: AnyPlugin[] = [syntheticSource];
export default plugins;
