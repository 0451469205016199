import { Flags } from '@oclif/core';

/** `--set path=value`, repeatable. */
export const setFlag = Flags.string({
  char: 's',
  description: 'Override a recipe value, e.g. --set train.epochs=3 (JSON values allowed). Repeatable.',
  multiple: true,
  default: [],
});

/** `--model`: where `prd predict` and `prd evaluate` find the trained model. */
export const modelFlag = Flags.string({
  description: 'A run directory (runs/<run-id>), its model/ folder, or runs:/<id>/model or models:/<name>@<alias> (fetched by an installed tracker).',
  required: true,
});

/** `--data` of `prd predict` and `prd evaluate`, repeatable. */
export const dataFlag = (verb: string) =>
  Flags.string({ description: `Merged CSV (or Parquet) files or globs to ${verb}, quoted. Repeatable.`, required: true, multiple: true });

/** `--device` of the local backend. */
export const deviceFlag = Flags.string({ description: 'Device of the local backend.', options: ['auto', 'gpu', 'native', 'wasm', 'cpu'] });

/** `--memory-limit` of the data engine. */
export const memoryLimitFlag = Flags.string({ description: 'Memory limit of the data engine, e.g. 2GB.' });
