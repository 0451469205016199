import { Args, Flags } from '@oclif/core';
import { PrdCommand } from '../../base-command.js';
import { textTable } from '../../render/table.js';
import { duration, openRun } from '../../runs.js';
import { metricLines } from './compare.js';

export default class RunsShow extends PrdCommand {
  static override summary = "Show one run: status, timing, steps, plugins and its metrics (ML and NWP).";
  static override examples = ['<%= config.bin %> runs show 20261202-064618-quickstart-b0c9'];
  static override args = { run: Args.string({ description: 'Run id (or a unique start of one) or run directory.', required: true }) };
  static override flags = { 'runs-dir': Flags.directory({ description: 'Where run directories are.', default: 'runs' }) };

  async run(): Promise<ReturnType<typeof openRun>> {
    const { args, flags } = await this.parse(RunsShow);
    await this.initCommand(flags);
    const run = openRun(flags['runs-dir'], args.run);
    if (!this.jsonEnabled()) {
      const m = run.manifest;
      this.log(`${m.runId}  ${m.status}  started ${m.startedAt}  ${duration(m.durationMs)}  → ${run.summary.dir}`);
      if (m.error) this.log(`error: ${m.error}`);
      this.log(textTable([['step', 'cached', 'duration'], ...m.steps.map((s) => [s.name, s.skipped ? `skipped: ${s.skipped}` : s.cached ? 'yes' : 'no', duration(s.durationMs)])]));
      const lines = metricLines([run.metrics]);
      if (lines.length > 1) this.log(`\n${textTable(lines)}`);
    }
    return run;
  }
}
