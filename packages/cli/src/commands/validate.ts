import { Args, Flags } from '@oclif/core';
import { formatPrdError, PrdError, preflight, resolveRecipe, secrets, type Issue } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { setFlag } from '../flags.js';
import { pluginSearchPaths, warnAboutRecipe } from '../plugins.js';

/** What `prd validate --json` prints, valid or not (exit code 2 when not). */
export interface ValidateResult {
  valid: boolean;
  /** One line: "2 recipes are valid" or "3 problems in 1 recipe(s)". */
  message: string;
  /** Per recipe: its problems, the data it reads (null when not looked at), and the checks not made. */
  recipes: Array<{ file: string; valid: boolean; issues: Issue[]; data: string | null; skipped: string[]; unchecked?: string[] }>;
}

export default class Validate extends PrdCommand {
  static override summary = 'Check recipes against the schema of the installed plugins, and against their data, reporting every problem at once.';
  static override description =
    "Beyond the schema, checks what it can without running: the data paths match files (else names the nearest existing path), the columns the recipe names are in the data's header (only headers are read), and the model builds for the shape of the features. --schema-only skips the data. A recipe's own plugin files are code: --no-local-plugins checks a recipe without importing them.";
  static override examples = [
    '<%= config.bin %> validate recipes/quickstart.json',
    '<%= config.bin %> validate recipes/*.json --json',
    '<%= config.bin %> validate recipes/storms.json --schema-only',
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
    'schema-only': Flags.boolean({ description: 'Check the recipe against the schema only; do not look at its data or build its model.' }),
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
        warnAboutRecipe(resolved);
        const unchecked = resolved.skipped?.slots ?? [];
        // Without the recipe's own plugins the data and model checks cannot run: they would need those plugins.
        const checked = flags['schema-only'] || resolved.skipped ? undefined : await preflight(resolved);
        if (checked && checked.issues.length > 0) throw new PrdError(`${file}: ${checked.issues.length} problem${checked.issues.length > 1 ? 's' : ''} with its data or model`, checked.issues);
        const skipped = checked?.skipped ?? [flags['schema-only'] ? 'data and model: --schema-only' : 'data and model: --no-local-plugins'];
        if (resolved.skipped) skipped.push(`not imported: ${resolved.skipped.plugins.join(', ')}`, ...unchecked.map((slot) => `${slot}: uses a plugin that was not imported`));
        recipes.push({ file, valid: true, issues: [], data: checked?.data ?? null, skipped, ...(resolved.skipped ? { unchecked } : {}) });
        if (!this.jsonEnabled()) {
          this.log(`✓ ${file} is valid${checked?.data ? ` (data: ${checked.data})` : ''}`);
          for (const line of skipped) this.note(`  not checked: ${line}`);
        }
      } catch (error) {
        if (!(error instanceof PrdError)) throw error;
        const issues = (error.issues.length > 0 ? error.issues : [{ file, message: error.message }]).map((i) => ({ ...i, message: secrets.redact(i.message) }));
        recipes.push({ file, valid: false, issues, data: null, skipped: [] });
        failures.push(...issues);
      }
    }
    const invalid = recipes.filter((r) => !r.valid).length;
    const problems = `${failures.length} problem${failures.length > 1 ? 's' : ''}`;
    const message = failures.length === 0 ? `${files.length} recipe${files.length > 1 ? 's are' : ' is'} valid` : files.length > 1 ? `${problems} in ${invalid} recipe(s)` : `${files[0]}: ${problems} in the recipe`;
    const result: ValidateResult = { valid: failures.length === 0, message, recipes };
    if (failures.length === 0) return result;
    if (this.jsonEnabled()) {
      // The same shape as on success, so a script reads one format; the exit code still says it failed.
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      process.stderr.write(`${secrets.redact(formatPrdError(new PrdError(message, failures)))}\n`);
    }
    return this.exit(2);
  }
}
