import { Flags } from '@oclif/core';

/** `--set path=value`, repeatable. */
export const setFlag = Flags.string({
  char: 's',
  description: 'Override a recipe value, e.g. --set train.epochs=3 (JSON values allowed). Repeatable.',
  multiple: true,
  default: [],
});
