import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatFiles, generateFiles, joinPathFragments, names, offsetFromRoot, updateJson, type GeneratorCallback, type Tree } from '@nx/devkit';
import type { KindTable } from '@prd/core/kinds';
import { generatorKinds } from './kinds.js';

/** Options of `nx g @prd/tools:plugin`. */
export interface PluginGeneratorOptions {
  name: string;
  /** A kind of the kinds table; default transform. */
  kind?: string;
  pluginName?: string;
  directory?: string;
  scope?: string;
  /** Leave the new package unbuilt and the recipe schema as it is (the generator's own tests). */
  skipRegister?: boolean;
}

const FILES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'generators', 'plugin', 'files');

/** The word a recipe uses: the package name without a leading `<kind>-` or `<kind>s-`. */
export function defaultPluginName(name: string, kind: string): string {
  for (const prefix of [`${kind}-`, `${kind}s-`]) if (name.startsWith(prefix) && name.length > prefix.length) return name.slice(prefix.length);
  return name;
}

/**
 * Scaffold a prd plugin package: package.json with the `prd-plugin` keyword, TypeScript project configs, a small real
 * plugin of the chosen kind, a passing test and a README; and register it in the root tsconfig.json.
 */
export default async function pluginGenerator(tree: Tree, options: PluginGeneratorOptions, kinds?: KindTable): Promise<GeneratorCallback | undefined> {
  const kind = options.kind ?? 'transform';
  const choices = generatorKinds(kinds);
  const template = choices.find((c) => c.kind === kind)?.template;
  if (!template) throw new Error(`unknown kind "${kind}"; choose one of ${choices.map((c) => c.kind).join(', ')}`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(options.name)) throw new Error(`package name "${options.name}" must be lower-case words joined by "-"`);
  const pluginName = options.pluginName ?? defaultPluginName(options.name, kind);
  const projectRoot = joinPathFragments(options.directory ?? 'plugins', options.name);
  if (tree.exists(projectRoot)) throw new Error(`${projectRoot} already exists; choose another name`);
  const packageName = `${options.scope ?? '@prd'}/${options.name}`;
  const identifier = names(pluginName).propertyName;
  const offset = offsetFromRoot(projectRoot);
  const coreRef = tree.exists('packages/core/tsconfig.lib.json') ? [{ path: `${offset}packages/core/tsconfig.lib.json` }] : [];
  const testingRef = tree.exists('packages/testing/tsconfig.lib.json') ? [{ path: `${offset}packages/testing/tsconfig.lib.json` }] : [];
  const slot = template.usage(pluginName);

  generateFiles(tree, FILES, projectRoot, {
    tmpl: '',
    packageName,
    description: template.description,
    kind,
    pluginName,
    identifier,
    offset,
    projectRoot,
    dependencies: JSON.stringify(template.dependencies),
    references: JSON.stringify(coreRef),
    usage: JSON.stringify(slot, null, 2),
    specReferences: JSON.stringify([{ path: './tsconfig.lib.json' }, ...testingRef]),
    conformance: template.conformanceOptions ? `, { options: { '${pluginName}': ${JSON.stringify(template.conformanceOptions)} } }` : '',
  });
  const fill = (text: string) => text.replaceAll('__ID__', identifier).replaceAll('__NAME__', pluginName).replaceAll('__METRIC__', pluginName.replaceAll('-', '_'));
  tree.write(joinPathFragments(projectRoot, 'src', `${pluginName}.ts`), fill(template.source));
  tree.write(joinPathFragments(projectRoot, 'src', `${pluginName}.test.ts`), fill(template.test));

  if (tree.exists('tsconfig.json')) {
    updateJson(tree, 'tsconfig.json', (json: { references?: Array<{ path: string }> }) => {
      const references = json.references ?? [];
      const path = `./${projectRoot}/tsconfig.lib.json`;
      if (!references.some((r) => r.path === path)) references.push({ path });
      return { ...json, references };
    });
  }
  await formatFiles(tree);
  // Runs once nx has written the files: the plugin is then usable with no manual step.
  return options.skipRegister ? undefined : () => registerPlugin(tree.root, projectRoot);
}

/**
 * Make a generated package usable: build it (discovery imports its `dist`), then rewrite the recipe schema so
 * editors complete the new plugin. prd finds the package without `npm install`: discovery also reads the packages
 * of the npm workspace it runs in.
 */
export function registerPlugin(workspaceRoot: string, projectRoot: string, schemaOut = join('recipes', 'recipe.schema.json')): void {
  execFileSync('npx', ['tsc', '-b', join(projectRoot, 'tsconfig.lib.json')], { cwd: workspaceRoot, stdio: 'inherit' });
  const cli = join(workspaceRoot, 'packages', 'cli', 'bin', 'run.js');
  const prd = existsSync(cli) ? [process.execPath, cli] : ['npx', 'prd'];
  execFileSync(prd[0]!, [...prd.slice(1), 'schema', '--out', schemaOut], { cwd: workspaceRoot, stdio: 'inherit' });
}
