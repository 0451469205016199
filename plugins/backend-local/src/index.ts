/** @prd/backend-local: train and apply tfjs models on this machine. prd loads the plugin from ./plugins.js. */
export { default } from './plugins.js';

export { LocalOptions, type LocalConfig } from './options.js';
export { trainLocal } from './trainer.js';
export { EarlyStopping, LearningRateSchedule } from './schedule.js';
export { listCheckpoints, loadLatestCheckpoint, type TrainState } from './checkpoints.js';

