import { Flags } from '@oclif/core';
import { RunEvents, scoreModel, secrets, type MetricTree } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { deviceCompute, modelOnDataFlags, noReportFlag, pluginRefs } from '../flags.js';
import { installedPlugins } from '../plugins.js';
import { loadReporter } from '../reporter.js';
import { cliVersion } from '../version.js';

/** The summary `prd evaluate --json` prints. */
export interface EvaluateSummary {
  runId: string;
  runDir: string;
  rows: number;
  dropped: number;
  metrics: MetricTree;
}

export default class Evaluate extends PrdCommand {
  static override summary = 'Score a trained model on other data (a held-out event): predictions, metrics, maps and report.';
  static override description =
    "Applies the model with its own preprocessing.json to the files, as the seed's test scenarios did (no training filters; rows missing an input are left out and counted), and writes a run directory of its own: metrics.json, predictions.csv, evaluation/, plots/ and report.html.";
  static override examples = [
    '<%= config.bin %> evaluate --model runs/20261128-101500-quickstart-3fa2 --data "data/2022_storm_eunice_franklin/prd_merged_*.csv"',
    '<%= config.bin %> evaluate --model runs/<run-id>/model --data "data/**/prd_merged_*.csv" --evaluate fss --evaluate frequency-bias --json',
  ];

  static override flags = {
    ...modelOnDataFlags('score', 'the evaluation'),
    evaluate: Flags.string({ description: 'Evaluator name or JSON plugin reference; default: the training recipe\'s. Repeatable.', multiple: true }),
    'no-report': noReportFlag,
  };

  async run(): Promise<EvaluateSummary> {
    const { flags } = await this.parse(Evaluate);
    await this.initCommand(flags);
    const registry = await installedPlugins();
    const events = new RunEvents();
    const json = this.jsonEnabled();
    const stop = this.relayLogs(events);
    try {
      const result = await scoreModel({
        model: flags.model,
        data: flags.data,
        registry,
        evaluate: pluginRefs(flags.evaluate, 'evaluate', '{"use":"fss","with":{...}}'),
        compute: deviceCompute(flags.device),
        runsDir: flags['runs-dir'],
        cacheDir: flags['cache-dir'],
        memoryLimit: flags['memory-limit'],
        events,
        reporter: flags['no-report'] ? undefined : await loadReporter(),
        prdVersion: cliVersion(),
      });
      if (!json) {
        this.note(secrets.redact(`scored ${result.rows} rows${result.dropped ? ` (${result.dropped} left out: missing inputs)` : ''}  →  ${result.runDir}`));
        const fss = (result.metrics.test as MetricTree | undefined)?.fss as MetricTree | undefined;
        if (fss) {
          const keys = Object.keys(fss).sort((a, b) => Number(a) - Number(b));
          for (const key of keys) {
            const leaf = fss[key] as { ml?: number | null; nwp?: number | null };
            this.log(`FSS > ${key.padEnd(5)}  ML ${leaf.ml?.toFixed(4) ?? '  –   '}  NWP ${leaf.nwp?.toFixed(4) ?? '  –   '}`);
          }
        }
      }
      return { runId: result.runId, runDir: result.runDir, rows: result.rows, dropped: result.dropped, metrics: result.metrics };
    } finally {
      stop();
    }
  }
}
