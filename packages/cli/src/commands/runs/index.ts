import { Flags } from '@oclif/core';
import { PrdCommand } from '../../base-command.js';
import { textTable } from '../../render/table.js';
import { duration, listRuns, type RunSummary } from '../../runs.js';

export default class Runs extends PrdCommand {
  static override summary = 'List runs, newest first; filter by recipe, status and tag.';
  static override examples = ['<%= config.bin %> runs', '<%= config.bin %> runs --recipe quickstart --status FINISHED', '<%= config.bin %> runs --tag sweep=s1 --json'];
  static override flags = {
    'runs-dir': Flags.directory({ description: 'Where run directories are.', default: 'runs' }),
    recipe: Flags.string({ description: 'Only runs of this recipe (its name or file).' }),
    status: Flags.string({ description: 'Only runs with this status.', options: ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'] }),
    tag: Flags.string({ description: 'Only runs with this tag (key=value, or key); repeatable.', multiple: true }),
    limit: Flags.integer({ description: 'Show at most this many.', default: 50, min: 1 }),
  };

  async run(): Promise<RunSummary[]> {
    const { flags } = await this.parse(Runs);
    await this.initCommand(flags);
    const tags = (flags.tag ?? []).map((t) => t.split('=') as [string, string?]);
    const runs = listRuns(flags['runs-dir'])
      .filter((r) => !flags.recipe || r.name === flags.recipe || r.recipe === flags.recipe || r.recipe.endsWith(`/${flags.recipe}`))
      .filter((r) => !flags.status || r.status === flags.status)
      .filter((r) => tags.every(([k, v]) => k in r.tags && (v === undefined || r.tags[k] === v)))
      .slice(0, flags.limit);
    if (!this.jsonEnabled()) {
      if (runs.length === 0) this.log(`no runs in ${flags['runs-dir']}${flags.recipe || flags.status || tags.length ? ' match' : ''}`);
      else this.log(textTable([['run', 'status', 'started', 'duration', 'recipe'], ...runs.map((r) => [r.runId, r.status, r.startedAt.replace('T', ' ').slice(0, 19), duration(r.durationMs), r.recipe])]));
    }
    return runs;
  }
}
