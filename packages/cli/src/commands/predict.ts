import { Flags } from '@oclif/core';
import { applyModel, RunEvents, secrets } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { deviceCompute, modelOnDataFlags } from '../flags.js';
import { installedPlugins } from '../plugins.js';
import { cliVersion } from '../version.js';

/** The summary `prd predict --json` prints. */
export interface PredictSummary {
  rows: number;
  dropped: number;
  out: string;
  columns: string[];
  model: string;
  /** The run directory that records the prediction (manifest with its steps). */
  runDir: string;
}

export default class Predict extends PrdCommand {
  static override summary = 'Apply a trained model to data and write its band fractions to a CSV.';
  static override description =
    "Reads the files with the csv source, standardises them with the model's own preprocessing.json (no training filters, as the seed's inference), and writes metadata, radar truth where the data has it, NWP band probabilities where available, and the ML band fractions, in the seed's column names ({radar,mogrepsg,ml}_fraction_in_band_instant_{band}). The model is a run directory, its model/ folder, or a tracker URI (runs:/<id>/model, models:/<name>@<alias>) fetched by an installed tracker plugin.";
  static override examples = [
    '<%= config.bin %> predict --model runs/20261128-101500-quickstart-3fa2 --data "data/2022_storm_eunice_franklin/prd_merged_*.csv" --out predictions.csv',
    'MLFLOW_TRACKING_URI=http://localhost:5000 <%= config.bin %> predict --model models:/prd-conv1d@champion --data "data/**/prd_merged_*.csv" --out eunice.csv',
  ];

  static override flags = {
    ...modelOnDataFlags('predict', 'the prediction'),
    out: Flags.file({ description: 'The predictions CSV to write.', default: 'predictions.csv' }),
  };

  async run(): Promise<PredictSummary> {
    const { flags } = await this.parse(Predict);
    await this.initCommand(flags);
    const registry = await installedPlugins();
    const events = new RunEvents();
    const json = this.jsonEnabled();
    const stop = this.relayLogs(events);
    const controller = new AbortController();
    const interrupt = () => controller.abort(new Error('prediction cancelled (Ctrl-C)'));
    process.once('SIGINT', interrupt);
    try {
      const result = await applyModel({
        model: flags.model,
        data: flags.data,
        out: flags.out,
        registry,
        compute: deviceCompute(flags.device),
        memoryLimit: flags['memory-limit'],
        runsDir: flags['runs-dir'],
        cacheDir: flags['cache-dir'],
        prdVersion: cliVersion(),
        events,
        signal: controller.signal,
      });
      if (!json) this.note(secrets.redact(`predicted ${result.rows} rows${result.dropped ? ` (${result.dropped} left out: missing inputs)` : ''}  →  ${result.out}`));
      return { rows: result.rows, dropped: result.dropped, out: result.out, columns: result.columns, model: result.modelDir, runDir: result.runDir };
    } finally {
      process.off('SIGINT', interrupt);
      stop();
    }
  }
}
