import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { PrdError, RECIPE_FORMAT, recipeSchemaJson } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { installedPlugins } from '../plugins.js';

/** A starter recipe: synthetic data (or the given CSV glob), the seed's model, evaluation and explanation. */
export function starterRecipe(name: string, data?: string): Record<string, unknown> {
  return {
    $schema: './recipe.schema.json',
    prd: String(RECIPE_FORMAT),
    name,
    description: 'Re-diagnose precipitation band fractions from NWP ensemble profiles.',
    seed: 42,
    data: {
      source: data ? { use: 'csv', with: { paths: [data] } } : { use: 'synthetic' },
      features: {
        profile: ['relative_humidity', 'air_temperature', 'wind_speed', 'cloud_volume_fraction_in_atmosphere_layer', 'wind_from_direction'],
        target: { bands: 'standard-5', source: 'radar_fraction_in_band_instant' },
      },
      transforms: [{ use: 'drop-missing' }, { use: 'range', with: { column: 'radar_mean_rain_instant', below: 50 } }, { use: 'drop-dry' }],
    },
    split: { use: 'time-space', with: { validation: 0.2, test: 0.2 } },
    model: { use: 'conv1d-residual' },
    train: { epochs: 5, batchSize: 64, optimizer: { adam: { learningRate: 0.001 } }, loss: 'kl-divergence' },
    compute: { use: 'local' },
    evaluate: [{ use: 'fss' }, { use: 'frequency-bias' }],
  };
}

/**
 * A data glob typed relative to where prd runs, rewritten relative to the recipe's folder (recipes resolve their
 * paths from their own folder): `data/**\/x.csv` from the project root becomes `../data/**\/x.csv` in recipes/.
 */
export function dataRelativeTo(recipeDir: string, glob: string): string {
  if (isAbsolute(glob)) return glob;
  const rewritten = relative(resolve(recipeDir), resolve(glob)).split(sep).join('/');
  return rewritten === '' ? '.' : rewritten;
}

export default class Init extends PrdCommand {
  static override summary = 'Write a starter recipe (and the recipe schema beside it).';
  static override examples = ['<%= config.bin %> init my-experiment', '<%= config.bin %> init storms --data "data/**/prd_merged_*.csv"'];
  static override args = { name: Args.string({ description: 'Recipe name.', default: 'my-experiment' }) };
  static override flags = {
    out: Flags.file({ description: 'Recipe file to write (default recipes/<name>.json).' }),
    data: Flags.string({ description: 'Glob of merged CSV files to read instead of synthetic data.' }),
    force: Flags.boolean({ description: 'Overwrite an existing recipe file.' }),
  };

  async run(): Promise<{ recipe: string; schema: string }> {
    const { args, flags } = await this.parse(Init);
    await this.initCommand(flags);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(args.name)) {
      throw new PrdError(`recipe name "${args.name}" may only use letters, digits, ".", "_" and "-", starting with a letter or digit`);
    }
    const out = flags.out ?? join('recipes', `${args.name}.json`);
    if (existsSync(out) && !flags.force) throw new PrdError(`${out} already exists; choose another name or --out, or pass --force to overwrite it`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(starterRecipe(args.name, flags.data === undefined ? undefined : dataRelativeTo(dirname(out), flags.data)), null, 2)}\n`);
    const schema = join(dirname(out), 'recipe.schema.json');
    writeFileSync(schema, `${JSON.stringify(recipeSchemaJson(await installedPlugins()), null, 2)}\n`);
    if (!this.jsonEnabled()) {
      this.log(`wrote ${out} and ${schema}`);
      this.log(`next: prd validate ${out} && prd run ${out}`);
    }
    return { recipe: out, schema };
  }
}
