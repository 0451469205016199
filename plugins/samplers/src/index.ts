import type { AnyPlugin } from '@prd/core';
import { randomSampler } from './random.js';
import { timeSpaceSampler } from './time-space.js';

export { randomSampler, randomSplit } from './random.js';
export { timeSpaceSampler, timeSpaceSplit, type TimeSpaceOptions } from './time-space.js';
export { roundHalfEven, keyHash } from './fractions.js';

const plugins: AnyPlugin[] = [randomSampler, timeSpaceSampler];
export default plugins;
