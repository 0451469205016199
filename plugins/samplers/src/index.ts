import type { AnyPlugin } from '@prd/core';
import { byEventSampler } from './by-event.js';
import { byTimeSampler } from './by-time.js';
import { randomSampler } from './random.js';
import { resampleRebalancer } from './resample.js';
import { timeSpaceSampler } from './time-space.js';

export { randomSampler, randomSplit } from './random.js';
export { timeSpaceSampler, timeSpaceSplit, type TimeSpaceOptions } from './time-space.js';
export { byTimeSampler, byTimeSplit, type ByTimeOptions } from './by-time.js';
export { byEventSampler, byEventSplit, type ByEventOptions } from './by-event.js';
export { resampleRebalancer, resample, dominantBand, type ResampleOptions } from './resample.js';
export { roundHalfEven, keyHash } from './fractions.js';

const plugins: AnyPlugin[] = [randomSampler, timeSpaceSampler, byTimeSampler, byEventSampler, resampleRebalancer];
export default plugins;
