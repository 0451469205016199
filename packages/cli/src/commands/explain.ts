import { Flags } from '@oclif/core';
import { PrdError, RunEvents, secrets, type PluginRef } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { explainModel } from '../explain-model.js';
import { dataFlag, memoryLimitFlag, modelFlag } from '../flags.js';
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

function explainerRefs(list: string[] | undefined): PluginRef[] | undefined {
  if (!list || list.length === 0) return undefined;
  return list.map((text) => {
    if (!text.trim().startsWith('{')) return { use: text.trim() };
    try {
      return JSON.parse(text) as PluginRef;
    } catch (error) {
      throw new PrdError(`--explainer ${text}: not a plugin name nor JSON like {"use":"permutation-importance","with":{"multiPass":"both"}} (${(error as Error).message})`);
    }
  });
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
    model: modelFlag,
    data: dataFlag('explain the model on'),
    explainer: Flags.string({ description: "Explainer name or JSON plugin reference; default: the training recipe's. Repeatable.", multiple: true }),
    seed: Flags.integer({ description: 'Seed of the explainers\' row samples and shuffles.', default: 42 }),
    'runs-dir': Flags.directory({ description: 'Where the explanation run directory is written.', default: 'runs' }),
    'memory-limit': memoryLimitFlag,
    'no-report': Flags.boolean({ description: 'Skip plots and report.html.' }),
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
        explain: explainerRefs(flags.explainer),
        seed: flags.seed,
        runsDir: flags['runs-dir'],
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
