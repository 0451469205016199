import { relative } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { describeOrigin, originOf, planRun, pointersOf, resolveRecipe, type Origin, type RunPlan } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { setFlag } from '../flags.js';
import { pluginSearchPaths, warnAboutRecipe } from '../plugins.js';

/** One resolved recipe value and where it came from. */
export interface PlanValue {
  pointer: string;
  value: unknown;
  origin: string;
}

/** What `prd plan --json` prints; without the recipe's own plugins (`--no-local-plugins`) the steps are not planned. */
export type PlanResult = { recipe: string; values: PlanValue[]; skipped?: { plugins: string[]; slots: string[] } } & (RunPlan | Partial<RunPlan>);

function isLeaf(value: unknown): boolean {
  return value === null || typeof value !== 'object' || (Array.isArray(value) && value.length === 0) || (!Array.isArray(value) && Object.keys(value).length === 0);
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const token of pointer.split('/').slice(1)) node = (node as Record<string, unknown>)[token.replaceAll('~1', '/').replaceAll('~0', '~')];
  return node;
}

export default class Plan extends PrdCommand {
  static override summary = 'Show what a run would do: every resolved value and where it came from, the steps, and what is cached.';
  static override examples = ['<%= config.bin %> plan recipes/quickstart.json', '<%= config.bin %> plan recipes/quickstart.json --set train.epochs=3'];
  static override args = { recipe: Args.file({ description: 'Recipe JSON file.', required: true }) };
  static override flags = {
    set: setFlag,
    'cache-dir': Flags.directory({ description: 'Where step outputs are cached.', default: '.prd/cache' }),
    'local-plugins': Flags.boolean({
      default: true,
      allowNo: true,
      description: 'Import the recipe\'s own "plugins" files (code that runs when imported). With --no-local-plugins the values are shown and checked, but the steps are not planned.',
    }),
  };

  async run(): Promise<PlanResult> {
    const { args, flags } = await this.parse(Plan);
    await this.initCommand(flags);
    const resolved = await resolveRecipe(args.recipe, { overrides: flags.set, searchFrom: pluginSearchPaths(), localPlugins: flags['local-plugins'] });
    warnAboutRecipe(resolved);
    const rel = (file: string) => relative(process.cwd(), file) || file;
    const values: PlanValue[] = [...pointersOf(resolved.display)]
      .filter((pointer) => pointer !== '' && isLeaf(valueAt(resolved.display, pointer)))
      .map((pointer) => ({ pointer, value: valueAt(resolved.display, pointer), origin: describeOrigin(originOf(resolved.provenance, pointer) as Origin | undefined, rel) }));
    if (resolved.skipped) {
      // Planning opens the data source and creates plugins: with local plugins not imported, stop at the values.
      if (!this.jsonEnabled()) {
        this.print(args.recipe, values);
        this.log(`\nnot imported: ${resolved.skipped.plugins.join(', ')}; steps not planned (run without --no-local-plugins to plan them)`);
        if (resolved.skipped.slots.length) this.log(`not checked: ${resolved.skipped.slots.join(', ')}`);
      }
      return { recipe: args.recipe, values, skipped: resolved.skipped };
    }
    const plan = await planRun(resolved, { cacheDir: flags['cache-dir'] });
    if (!this.jsonEnabled()) this.print(args.recipe, values, plan);
    return { recipe: args.recipe, values, ...plan };
  }

  private print(recipe: string, values: PlanValue[], plan?: RunPlan): void {
    this.log(`recipe ${recipe}`);
    const width = Math.min(48, Math.max(...values.map((v) => v.pointer.length)));
    for (const v of values) this.log(`  ${v.pointer.padEnd(width)}  ${JSON.stringify(v.value)}  ← ${v.origin}`);
    if (!plan) return;
    this.log(`\ndata: ${plan.data.description} (fingerprint ${plan.data.fingerprint})`);
    this.log('\nplugins:');
    for (const p of plan.plugins) this.log(`  ${p.slot.padEnd(20)} ${p.name.padEnd(22)} ${p.package}@${p.version}`);
    this.log('\nsteps:');
    const marks = { cached: 'cached  ', run: 'will run', lazy: 'lazy    ', skip: 'skip    ' };
    for (const step of plan.steps) this.log(`  ${step.name.padEnd(10)} ${marks[step.state]}  ${step.note ?? ''}`);
  }
}
