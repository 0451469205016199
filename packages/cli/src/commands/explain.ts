import { Flags } from '@oclif/core';
import { RunEvents, secrets } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { explainModel } from '../explain-model.js';
import { deviceCompute, modelOnDataFlags, noReportFlag, pluginRefs } from '../flags.js';
import { installedPlugins } from '../plugins.js';
import { loadReporter } from '../reporter.js';
import { cliVersion } from '../version.js';

/** The summary `prd explain --json` prints. */
export interface ExplainSummary {
  runId: string;
  runDir: string;
  rows: number;
  dropped: number;
  explanations: Record<string, unknown>;
}

export default class Explain extends PrdCommand {
  static override summary = 'Explain a trained model on new data: permutation importance, saliency, filters, without retraining.';
  static override description =
    "Prepares the files as prd predict does (the model's own preprocessing.json, no training filters; rows missing an input are left out and counted) and runs the training recipe's explainers, or those named with --explainer, as the seed's XAI notebook explained a loaded model on a test scenario. Writes a run directory of its own: explain/<name>/, explanations.json, plots/ and report.html.";
  static override examples = [
    '<%= config.bin %> explain --model runs/20261128-101500-xai-3fa2 --data "data/2022_storm_eunice_franklin/prd_merged_*.csv"',
    '<%= config.bin %> explain --model models:/prd-conv1d@champion --data "data/**/prd_merged_*.csv" --explainer \'{"use":"permutation-importance","with":{"multiPass":"both","perHeight":true}}\' --explainer saliency',
  ];

  static override flags = {
    ...modelOnDataFlags('explain the model on', 'the explanation'),
    explainer: Flags.string({ description: "Explainer name or JSON plugin reference; default: the training recipe's. Repeatable.", multiple: true }),
    seed: Flags.integer({ description: 'Seed of the explainers\' row samples and shuffles.', default: 42 }),
    'no-report': noReportFlag,
  };

  async run(): Promise<ExplainSummary> {
    const { flags } = await this.parse(Explain);
    await this.initCommand(flags);
    const registry = await installedPlugins();
    const events = new RunEvents();
    const json = this.jsonEnabled();
    const stop = this.relayLogs(events);
    const controller = new AbortController();
    const interrupt = () => controller.abort(new Error('explanation cancelled (Ctrl-C)'));
    process.once('SIGINT', interrupt);
    try {
      const result = await explainModel({
        model: flags.model,
        data: flags.data,
        registry,
        explain: pluginRefs(flags.explainer, 'explainer', '{"use":"permutation-importance","with":{"multiPass":"both"}}'),
        compute: deviceCompute(flags.device),
        seed: flags.seed,
        runsDir: flags['runs-dir'],
        cacheDir: flags['cache-dir'],
        memoryLimit: flags['memory-limit'],
        events,
        signal: controller.signal,
        reporter: flags['no-report'] ? undefined : await loadReporter(),
        prdVersion: cliVersion(),
      });
      if (!json) this.note(secrets.redact(`explained the model on ${result.rows} rows${result.dropped ? ` (${result.dropped} left out: missing inputs)` : ''}  →  ${result.runDir}`));
      return { runId: result.runId, runDir: result.runDir, rows: result.rows, dropped: result.dropped, explanations: result.explanations };
    } finally {
      process.off('SIGINT', interrupt);
      stop();
    }
  }
}
