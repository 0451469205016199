import { Args, Flags } from '@oclif/core';
import { PrdError, resolveRecipe, type Issue } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { setFlag } from '../flags.js';
import { pluginSearchPaths } from '../plugins.js';

/** What `prd validate --json` prints. */
export interface ValidateResult {
  valid: boolean;
  recipes: Array<{ file: string; valid: boolean; issues: Issue[]; unchecked?: string[] }>;
}

export default class Validate extends PrdCommand {
  static override summary = 'Check recipes against the schema of the installed plugins, reporting every problem at once.';
  static override examples = [
    '<%= config.bin %> validate recipes/quickstart.json',
    '<%= config.bin %> validate recipes/*.json --json',
    '<%= config.bin %> validate untrusted.json --no-local-plugins',
  ];
  static override strict = false;
  static override args = { recipe: Args.file({ description: 'Recipe file(s).', required: true }) };
  static override flags = {
    set: setFlag,
    'local-plugins': Flags.boolean({
      default: true,
      allowNo: true,
      description: 'Import the recipe\'s own "plugins" files. They are code and run when imported: check a recipe you do not trust with --no-local-plugins (the slots that use them are then not checked).',
    }),
  };

  async run(): Promise<ValidateResult> {
    const { argv, flags } = await this.parse(Validate);
    await this.initCommand(flags);
    const files = argv as string[];
    const recipes: ValidateResult['recipes'] = [];
    const failures: Issue[] = [];
    for (const file of files) {
      try {
        const resolved = await resolveRecipe(file, { overrides: flags.set, searchFrom: pluginSearchPaths(), localPlugins: flags['local-plugins'] });
        const unchecked = resolved.skipped?.slots ?? [];
        recipes.push({ file, valid: true, issues: [], ...(resolved.skipped ? { unchecked } : {}) });
        if (!this.jsonEnabled()) {
          this.log(`✓ ${file} is valid`);
          if (resolved.skipped) this.log(`  not imported: ${resolved.skipped.plugins.join(', ')}${unchecked.length ? `; not checked: ${unchecked.join(', ')}` : ''}`);
        }
      } catch (error) {
        if (!(error instanceof PrdError)) throw error;
        const issues = error.issues.length > 0 ? error.issues : [{ file, message: error.message }];
        recipes.push({ file, valid: false, issues });
        failures.push(...issues);
      }
    }
    if (failures.length > 0) {
      const problems = `${failures.length} problem${failures.length > 1 ? 's' : ''}`;
      throw new PrdError(files.length > 1 ? `${problems} in ${recipes.filter((r) => !r.valid).length} recipe(s)` : `${files[0]}: ${problems} in the recipe`, failures);
    }
    return { valid: true, recipes };
  }
}
