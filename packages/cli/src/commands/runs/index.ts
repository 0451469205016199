import { Flags } from '@oclif/core';
import { PrdCommand } from '../../base-command.js';
import { filterRuns, listRuns, type RunEntry } from '../../run-catalog/catalog.js';
import { duration } from '../../render/format.js';
import { textTable } from '../../render/table.js';

export default class Runs extends PrdCommand {
  static override summary = 'List runs (newest first), filtered by recipe, status or tag.';
  static override description = 'Reads the run directories under --runs-dir; nothing is contacted. Show one with prd runs show <id>, compare several with prd runs compare <id> <id>.';
  static override examples = ['<%= config.bin %> runs', '<%= config.bin %> runs --recipe quickstart --status FINISHED', '<%= config.bin %> runs --tag prd.sweep=20261202-lr --json'];
  static override flags = {
    'runs-dir': Flags.directory({ description: 'Where run directories are.', default: 'runs' }),
    recipe: Flags.string({ description: 'Only runs whose recipe name or file contains this.' }),
    status: Flags.string({ description: 'Only runs with this status.', options: ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'] }),
    tag: Flags.string({ description: 'Only runs with this tag (key=value). Repeatable.', multiple: true, default: [] }),
    limit: Flags.integer({ description: 'Show at most this many runs.', default: 50, min: 1 }),
  };

  async run(): Promise<RunEntry[]> {
    const { flags } = await this.parse(Runs);
    await this.initCommand(flags);
    const runs = filterRuns(listRuns(flags['runs-dir']), { recipe: flags.recipe, status: flags.status, tags: flags.tag }).slice(0, flags.limit);
    if (!this.jsonEnabled()) {
      this.log(
        runs.length === 0
          ? `No runs in ${flags['runs-dir']}${flags.recipe || flags.status || flags.tag.length ? ' match the filters' : ''}. Start one with: prd run recipes/quickstart.json`
          : textTable([['run id', 'status', 'started', 'duration', 'recipe'], ...runs.map((r) => [r.runId, r.status, r.startedAt.replace('T', ' ').slice(0, 19), r.durationMs === undefined ? '' : duration(r.durationMs), r.recipe])]),
      );
    }
    return runs;
  }
}
