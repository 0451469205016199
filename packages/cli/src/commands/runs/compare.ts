import { Args, Flags } from '@oclif/core';
import { PrdError } from '@prd/core';
import { PrdCommand } from '../../base-command.js';
import { findRun } from '../../run-catalog/catalog.js';
import { compareRuns, type RunComparison } from '../../run-catalog/compare.js';
import { metric } from '../../render/format.js';
import { textTable } from '../../render/table.js';

export default class RunsCompare extends PrdCommand {
  static override summary = 'Compare runs: the recipe values that differ, and their metrics side by side (ML and NWP).';
  static override examples = ['<%= config.bin %> runs compare 20261202-052901-quickstart-193e 20261202-061500-quickstart-a1b2', '<%= config.bin %> runs compare A B C --metric test/fss --json'];
  static override strict = false;
  static override args = { runs: Args.string({ description: 'Two or more run ids (or unique prefixes, or run directories).', required: true }) };
  static override flags = {
    'runs-dir': Flags.directory({ description: 'Where run directories are.', default: 'runs' }),
    metric: Flags.string({ description: 'Only metrics whose path starts with this (e.g. test/fss).' }),
  };

  async run(): Promise<RunComparison> {
    const { argv, flags } = await this.parse(RunsCompare);
    await this.initCommand(flags);
    const ids = argv as string[];
    if (ids.length < 2) throw new PrdError('give at least two runs to compare, e.g. prd runs compare <run-id> <run-id> (list them with: prd runs)');
    const comparison = compareRuns(ids.map((id) => findRun(flags['runs-dir'], id)));
    if (flags.metric) comparison.metrics = comparison.metrics.filter((m) => m.path.startsWith(flags.metric!));
    if (!this.jsonEnabled()) this.log(render(comparison));
    return comparison;
  }
}

function render(c: RunComparison): string {
  const heads = c.runs.map((_, i) => `run ${i + 1}`);
  const lines = c.runs.map((id, i) => `run ${i + 1}: ${id}`);
  lines.push('', c.params.length === 0 ? 'The recipes are identical.' : textTable([['recipe value', ...heads], ...c.params.map((p) => [p.path, ...p.values.map((v) => v ?? '(unset)')])]));
  const anyNwp = c.metrics.some((m) => m.values.some((v) => v?.nwp !== undefined));
  const header = ['metric', ...heads.map((h) => `${h} ML`), ...(anyNwp ? ['NWP'] : [])];
  const rows = c.metrics.map((m) => {
    const ml = m.values.map((v) => (v === undefined ? '-' : metric(v.value !== undefined ? v.value : v.ml)));
    // The NWP baseline does not depend on the model: show it once when the runs agree, else per run.
    const nwps = [...new Set(m.values.map((v) => (v?.nwp === undefined ? '' : metric(v.nwp))))];
    return [m.path, ...ml, ...(anyNwp ? [nwps.length === 1 ? nwps[0]! : nwps.join(' / ')] : [])];
  });
  if (rows.length > 0) lines.push('', textTable([header, ...rows]));
  return lines.join('\n');
}
