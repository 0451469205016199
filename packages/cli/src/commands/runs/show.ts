import { Args, Flags } from '@oclif/core';
import { PrdCommand } from '../../base-command.js';
import { findRun, lineageChain, type RunDetail } from '../../run-catalog/catalog.js';
import { duration, metric } from '../../render/format.js';
import { textTable } from '../../render/table.js';

export default class RunsShow extends PrdCommand {
  static override summary = 'Show one run: status, steps, training, and every metric (ML and NWP side by side).';
  static override examples = ['<%= config.bin %> runs show 20261202-052901-quickstart-193e', '<%= config.bin %> runs show 20261202-0529 --json'];
  static override args = { run: Args.string({ description: 'Run id, a unique prefix of one, or a run directory.', required: true }) };
  static override flags = { 'runs-dir': Flags.directory({ description: 'Where run directories are.', default: 'runs' }) };

  async run(): Promise<Omit<RunDetail, 'manifest'> & { steps: RunDetail['manifest']['steps']; lineage: ReturnType<typeof lineageChain> }> {
    const { args, flags } = await this.parse(RunsShow);
    await this.initCommand(flags);
    const run = findRun(flags['runs-dir'], args.run);
    const lineage = lineageChain(flags['runs-dir'], run);
    if (!this.jsonEnabled()) this.log(render(run, lineage));
    const { manifest, ...rest } = run;
    return { ...rest, steps: manifest.steps, lineage };
  }
}

function render(run: RunDetail, lineage: ReturnType<typeof lineageChain>): string {
  const m = run.manifest;
  const lines = [
    `${run.runId}  ${run.status}${run.durationMs === undefined ? '' : ` in ${duration(run.durationMs)}`}`,
    `  recipe   ${run.recipe}`,
    `  started  ${m.startedAt}`,
    `  dir      ${run.dir}`,
  ];
  if (m.git) lines.push(`  git      ${m.git.commit.slice(0, 12)}${m.git.dirty ? ' (dirty)' : ''}`);
  for (const [k, v] of Object.entries(run.tags)) lines.push(`  tag      ${k}=${v}`);
  if (run.error) lines.push(`  error    ${run.error}`);
  if (m.lineage?.resumedFrom) lines.push(`  resumed  (continued after an interruption)`);
  // The fork chain, newest first: this run <- its parent <- the parent's parent ...
  if (lineage.length > 0) lines.push(`  lineage  ${[run.runId, ...lineage.map((l) => l.runId ?? l.source)].join('  ←  forked from  ')}`);
  if (m.steps.length > 0) {
    lines.push('', textTable([['step', 'state', 'time'], ...m.steps.map((s) => [s.name, s.skipped ? `skipped: ${s.skipped}` : s.cached ? 'cached' : 'ran', s.skipped ? '' : duration(s.durationMs)])]));
  }
  if (m.training) {
    const t = m.training as Record<string, unknown>;
    lines.push('', `training: ${['parameters', 'epochs', 'bestEpoch', 'runtime', 'samplesPerSecond'].filter((k) => t[k] !== undefined).map((k) => `${k}=${typeof t[k] === 'number' && !Number.isInteger(t[k]) ? (t[k] as number).toFixed(1) : String(t[k])}`).join(' ')}`);
  }
  if (run.metrics.length > 0) {
    lines.push('', textTable([['metric', 'ML', 'NWP'], ...run.metrics.map((r) => [r.path, metric(r.value !== undefined ? r.value : r.ml), r.value !== undefined ? '' : metric(r.nwp)])]));
  }
  return lines.join('\n');
}
