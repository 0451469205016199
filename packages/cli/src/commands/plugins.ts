import { Flags } from '@oclif/core';
import { PLUGIN_KINDS, type PluginKind } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { installedPlugins } from '../plugins.js';

/** One row of `prd plugins`. */
export interface PluginRow {
  kind: PluginKind;
  name: string;
  package: string;
  version: string;
  description: string;
}

export default class Plugins extends PrdCommand {
  static override summary = 'List the installed plugins: kind, name, package, version, description.';
  static override description =
    'Plugins are code: an installed plugin package, and a recipe\'s own "plugins": ["./file.js"], run with your rights when prd imports them (prd validate and prd plan included). Treat a recipe with "plugins" like a script; check one you do not trust with prd validate --no-local-plugins. See the README\'s Security section.';
  static override examples = ['<%= config.bin %> plugins', '<%= config.bin %> plugins --kind evaluator', '<%= config.bin %> plugins --json'];
  static override flags = { kind: Flags.string({ description: 'Only plugins of this kind.', options: [...PLUGIN_KINDS] }) };

  async run(): Promise<PluginRow[]> {
    const { flags } = await this.parse(Plugins);
    await this.initCommand(flags);
    const registry = await installedPlugins();
    const rows: PluginRow[] = registry.list(flags.kind as PluginKind | undefined).map(({ plugin, origin }) => ({
      kind: plugin.kind,
      name: plugin.name,
      package: origin.packageName,
      version: origin.version,
      description: plugin.description,
    }));
    if (!this.jsonEnabled()) this.log(table(rows));
    return rows;
  }
}

/** Rows as an aligned text table. */
export function table(rows: PluginRow[]): string {
  if (rows.length === 0) return 'No prd plugins are installed. Install a package with the keyword "prd-plugin".';
  const header: PluginRow = { kind: 'kind' as PluginKind, name: 'name', package: 'package', version: 'version', description: 'description' };
  const all = [header, ...rows];
  const width = (key: keyof PluginRow) => Math.max(...all.map((r) => r[key].length));
  const keys: Array<keyof PluginRow> = ['kind', 'name', 'package', 'version'];
  return all.map((r) => [...keys.map((k) => r[k].padEnd(width(k))), r.description].join('  ')).join('\n');
}
