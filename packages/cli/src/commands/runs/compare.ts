import { Args, Flags } from '@oclif/core';
import { PrdError, type MetricTree } from '@prd/core';
import { PrdCommand } from '../../base-command.js';
import { textTable } from '../../render/table.js';
import { flatten, openRun } from '../../runs.js';

const fmt = (v: unknown): string => (typeof v === 'number' ? String(Number(v.toPrecision(4))) : v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** Rows `metric  ML|NWP of run 1 ...` for the test split (else the first), one per metric key. */
export function metricLines(metrics: Array<Record<string, MetricTree>>, names: string[] = ['']): string[][] {
  const split = metrics.some((m) => m.test) ? 'test' : Object.keys(metrics[0] ?? {})[0];
  if (!split) return [];
  const header = ['metric', ...names.flatMap((n) => [`${n ? `${n} ` : ''}ML`, `${n ? `${n} ` : ''}NWP`])];
  const keys = new Set<string>();
  const flat = metrics.map((m) => flatten(m[split] ?? {}));
  for (const f of flat) for (const k of f.keys()) keys.add(k.replace(/\/(ml|nwp)$/, ''));
  const rows = [...keys].map((k) => [k.slice(1), ...flat.flatMap((f) => (f.has(`${k}/ml`) || f.has(`${k}/nwp`) ? [fmt(f.get(`${k}/ml`)), fmt(f.get(`${k}/nwp`))] : [fmt(f.get(k)), '']))]);
  return [header, ...rows];
}

export default class RunsCompare extends PrdCommand {
  static override summary = 'Compare runs: the recipe values that differ, and the metrics side by side (ML and NWP).';
  static override examples = ['<%= config.bin %> runs compare 20261202-0646-quickstart-b0c9 20261202-0702-quickstart-11aa'];
  static override strict = false;
  static override args = { runs: Args.string({ description: 'Two or more run ids (or unique starts of them) or directories.', required: true }) };
  static override flags = { 'runs-dir': Flags.directory({ description: 'Where run directories are.', default: 'runs' }) };

  async run(): Promise<{ runs: string[]; params: Array<{ pointer: string; values: unknown[] }>; metrics: string[][] }> {
    const { argv, flags } = await this.parse(RunsCompare);
    await this.initCommand(flags);
    const ids = argv as string[];
    if (ids.length < 2) throw new PrdError('give two or more runs to compare (prd runs lists them)');
    const runs = ids.map((id) => openRun(flags['runs-dir'], id));
    const recipes = runs.map((r) => flatten(r.recipe));
    const pointers = [...new Set(recipes.flatMap((f) => [...f.keys()]))].sort();
    const params = pointers.map((pointer) => ({ pointer, values: recipes.map((f) => f.get(pointer)) })).filter((p) => new Set(p.values.map((v) => JSON.stringify(v))).size > 1);
    const names = runs.map((r) => r.summary.runId);
    const metrics = metricLines(runs.map((r) => r.metrics), names.map((_, i) => `#${i + 1}`));
    if (!this.jsonEnabled()) {
      this.log(names.map((n, i) => `#${i + 1} ${n} (${runs[i]!.summary.status})`).join('\n'));
      this.log(params.length ? `\nrecipe values that differ\n${textTable([['value', ...names.map((_, i) => `#${i + 1}`)], ...params.map((p) => [p.pointer, ...p.values.map(fmt)])])}` : '\nthe recipes are the same');
      if (metrics.length > 1) this.log(`\nmetrics\n${textTable(metrics)}`);
    }
    return { runs: names, params, metrics };
  }
}
