import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { KINDS, migrateRecipeText, pluginSlotRefs, PrdError, RECIPE_FORMAT, type AppliedMigration, type PluginKind } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { installedPlugins } from '../plugins.js';

/** What `prd migrate --json` prints for one recipe. */
export interface MigrateResult {
  file: string;
  from: number;
  to: number;
  changed: boolean;
  applied: AppliedMigration[];
}

export default class Migrate extends PrdCommand {
  static override summary = 'Rewrite recipes to the current recipe format, changing only what a migration renames or removes.';
  static override description = `Each change of the recipe format (and of a plugin's options) is a named migration; this applies the ones a recipe needs and sets "prd": "${RECIPE_FORMAT}". Key order, formatting and everything else stay byte for byte. prd also reads older recipes as they are (with a warning naming this command), so migrating is never urgent. --check changes nothing and exits 1 when a recipe would change (for CI).`;
  static override examples = ['<%= config.bin %> migrate recipes/*.json', '<%= config.bin %> migrate recipes/*.json --check'];
  static override strict = false;
  static override args = { recipes: Args.file({ description: 'Recipe files.', required: true }) };
  static override flags = { check: Flags.boolean({ description: 'Change nothing; exit 1 when a recipe would change.' }) };

  async run(): Promise<MigrateResult[]> {
    const { argv, flags } = await this.parse(Migrate);
    await this.initCommand(flags);
    const registry = await installedPlugins();
    // Every slot of the kinds table, so a plugin kind added there gets its migrations too.
    const slots = Object.fromEntries(Object.entries(KINDS).map(([kind, declaration]) => [declaration.slot, kind]));
    const optionMigrations = (kind: string, use: string) => registry.get(kind as PluginKind, use)?.plugin.migrations ?? [];
    const results: MigrateResult[] = [];
    for (const file of argv as string[]) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new PrdError(`cannot read ${file}: ${(error as Error).message}`);
      }
      let migrated;
      try {
        migrated = migrateRecipeText(text, file, (value) => pluginSlotRefs(value, slots), optionMigrations);
      } catch (error) {
        // Globs such as recipes/*.json also match the schema: say so and go on with the others.
        if (!(error instanceof PrdError) || !/is not a recipe \(/.test(error.message) || (argv as string[]).length === 1) throw error;
        if (!this.jsonEnabled()) this.log(`- ${file}: not a recipe, left alone`);
        continue;
      }
      if (migrated.changed && !flags.check) {
        // Written beside the recipe and renamed over it: an interrupted migrate never leaves half a recipe.
        const tmp = `${file}.migrate-${process.pid}`;
        writeFileSync(tmp, migrated.text);
        renameSync(tmp, file);
      }
      results.push({ file, from: migrated.from, to: migrated.to, changed: migrated.changed, applied: migrated.applied });
      if (!this.jsonEnabled()) this.log(describe(file, migrated.changed, migrated.applied, flags.check, migrated.from));
    }
    if (flags.check && results.some((r) => r.changed)) process.exitCode = 1;
    return results;
  }
}

function describe(file: string, changed: boolean, applied: AppliedMigration[], check: boolean, from: number): string {
  if (!changed) return `✓ ${file} is in recipe format ${RECIPE_FORMAT}`;
  const verb = check ? 'would migrate' : 'migrated';
  const lines = [`${verb} ${file} from recipe format ${from} to ${RECIPE_FORMAT}`];
  for (const m of applied) lines.push(`  - ${m.name}: ${m.description} (${m.pointers.join(', ')})`);
  if (applied.length === 0) lines.push(`  - sets "prd": "${RECIPE_FORMAT}" (no option changed)`);
  return lines.join('\n');
}
