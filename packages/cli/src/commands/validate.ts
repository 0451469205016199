import { Args } from '@oclif/core';
import { PrdError, resolveRecipe, type Issue } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { setFlag } from '../flags.js';
import { pluginSearchPaths } from '../plugins.js';

/** What `prd validate --json` prints. */
export interface ValidateResult {
  valid: boolean;
  recipes: Array<{ file: string; valid: boolean; issues: Issue[] }>;
}

export default class Validate extends PrdCommand {
  static override summary = 'Check recipes against the schema of the installed plugins, reporting every problem at once.';
  static override examples = ['<%= config.bin %> validate recipes/quickstart.json', '<%= config.bin %> validate recipes/*.json --json'];
  static override strict = false;
  static override args = { recipe: Args.file({ description: 'Recipe file(s).', required: true }) };
  static override flags = { set: setFlag };

  async run(): Promise<ValidateResult> {
    const { argv, flags } = await this.parse(Validate);
    await this.initCommand(flags);
    const files = argv as string[];
    const recipes: ValidateResult['recipes'] = [];
    const failures: Issue[] = [];
    for (const file of files) {
      try {
        await resolveRecipe(file, { overrides: flags.set, searchFrom: pluginSearchPaths() });
        recipes.push({ file, valid: true, issues: [] });
        if (!this.jsonEnabled()) this.log(`✓ ${file} is valid`);
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
