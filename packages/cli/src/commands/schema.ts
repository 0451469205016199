import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Flags } from '@oclif/core';
import { recipeSchemaJson } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { installedPlugins } from '../plugins.js';

export default class Schema extends PrdCommand {
  static override summary = 'Write the recipe JSON Schema composed from the installed plugins.';
  static override description = 'Recipes start with "$schema": "./recipe.schema.json", so editors complete and check them as you type.';
  static override examples = ['<%= config.bin %> schema', '<%= config.bin %> schema --out my-recipes/recipe.schema.json', '<%= config.bin %> schema --stdout'];
  static override flags = {
    out: Flags.file({ description: 'Where to write the schema.', default: join('recipes', 'recipe.schema.json') }),
    stdout: Flags.boolean({ description: 'Print the schema instead of writing it.' }),
  };

  async run(): Promise<{ file?: string; plugins: number }> {
    const { flags } = await this.parse(Schema);
    await this.initCommand(flags);
    const registry = await installedPlugins();
    const text = `${JSON.stringify(recipeSchemaJson(registry), null, 2)}\n`;
    const plugins = registry.list().length;
    if (flags.stdout) {
      process.stdout.write(text);
      return { plugins };
    }
    mkdirSync(dirname(flags.out), { recursive: true });
    writeFileSync(flags.out, text);
    if (!this.jsonEnabled()) this.log(`wrote ${flags.out} (${plugins} plugins)`);
    return { file: flags.out, plugins };
  }
}
