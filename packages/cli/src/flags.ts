import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { PrdError, type PluginRef } from '@prd/core';

/** `--set path=value`, repeatable. */
export const setFlag = Flags.string({
  char: 's',
  description: 'Override a recipe value, e.g. --set train.epochs=3 (JSON values allowed). Repeatable.',
  multiple: true,
  default: [],
});

/** `--model`: where `prd predict`, `prd evaluate`, `prd explain` and `prd serve` find the trained model. */
export const modelFlag = Flags.string({
  description: 'A run directory (runs/<run-id>), its model/ folder, or runs:/<id>/model or models:/<name>@<alias> (fetched by an installed tracker).',
  required: true,
});

/** `--data` of `prd predict`, `prd evaluate` and `prd explain`, repeatable. */
export const dataFlag = (verb: string) =>
  Flags.string({ description: `Merged CSV (or Parquet) files or globs to ${verb}, quoted. Repeatable.`, required: true, multiple: true });

/** `--device` of the local backend. */
export const deviceFlag = Flags.string({ description: 'Device of the local backend.', options: ['auto', 'gpu', 'native', 'wasm', 'cpu'] });

/** `--memory-limit` of the data engine. */
export const memoryLimitFlag = Flags.string({ description: 'Memory limit of the data engine, e.g. 2GB.' });

/**
 * The flags of every command that applies a trained model to data (`prd predict`, `prd evaluate`, `prd explain`),
 * declared once: `verb` is what the command does with the data, `record` what its run directory holds.
 */
export function modelOnDataFlags(verb: string, record: string) {
  return {
    model: modelFlag,
    data: dataFlag(verb),
    device: deviceFlag,
    'runs-dir': Flags.directory({ description: `Where the run directory that records ${record} is written.`, default: 'runs' }),
    'cache-dir': Flags.directory({ description: 'Where step outputs are cached (the steps of a run that apply to a given model).', default: join('.prd', 'cache') }),
    'memory-limit': memoryLimitFlag,
  };
}

/** `--no-report` of the commands that draw a report. */
export const noReportFlag = Flags.boolean({ description: 'Skip plots and report.html.' });

/** The local backend on the device `--device` names, or undefined (the model's own compute). */
export function deviceCompute(device: string | undefined): PluginRef | undefined {
  return device ? { use: 'local', with: { device } } : undefined;
}

/** Values of a repeatable plugin flag (`--evaluate fss`, `--explainer '{"use":...}'`): names or JSON references. */
export function pluginRefs(list: string[] | undefined, flag: string, example: string): PluginRef[] | undefined {
  if (!list || list.length === 0) return undefined;
  return list.map((text) => {
    if (!text.trim().startsWith('{')) return { use: text.trim() };
    try {
      return JSON.parse(text) as PluginRef;
    } catch (error) {
      throw new PrdError(`--${flag} ${text}: not a plugin name nor JSON like ${example} (${(error as Error).message})`);
    }
  });
}
