import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing.js';
import { afterAll, describe, expect, it } from 'vitest';
import pluginGenerator, { defaultPluginName, registerPlugin } from './generator.js';
import { generatorKinds } from './kinds.js';

const workspaceRoot = resolve(import.meta.dirname, '..', '..', '..', '..', '..');

function writeChanges(tree: Tree, under: string): void {
  for (const change of tree.listChanges()) {
    if (!change.path.startsWith(under) || change.type === 'DELETE' || !change.content) continue;
    const target = join(workspaceRoot, change.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, change.content);
  }
}

describe('plugin generator', () => {
  it('names the plugin after the package without its kind prefix', () => {
    expect(defaultPluginName('source-grib', 'source')).toBe('grib');
    expect(defaultPluginName('evaluators-brier', 'evaluator')).toBe('brier');
    expect(defaultPluginName('my-filter', 'transform')).toBe('my-filter');
  });

  it('scaffolds a discoverable plugin package and registers it in tsconfig.json', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('tsconfig.json', JSON.stringify({ files: [], references: [] }));
    await pluginGenerator(tree, { name: 'source-grib', kind: 'source' });
    const pkg = readJson(tree, 'plugins/source-grib/package.json');
    expect(pkg).toMatchObject({ name: '@prd/source-grib', keywords: ['prd-plugin'], prd: { plugins: './dist/index.js' }, type: 'module' });
    expect(tree.read('plugins/source-grib/src/index.ts', 'utf-8')).toContain('export default [grib];');
    expect(tree.read('plugins/source-grib/src/grib.ts', 'utf-8')).toContain("name: 'grib'");
    expect(tree.exists('plugins/source-grib/src/grib.test.ts')).toBe(true);
    expect(readJson(tree, 'tsconfig.json').references).toEqual([{ path: './plugins/source-grib/tsconfig.lib.json' }]);
    await expect(pluginGenerator(tree, { name: 'source-grib', kind: 'source' })).rejects.toThrow('plugins/source-grib already exists');
  });

  describe('generated packages build and pass their own tests', () => {
    const dir = '.generated-plugins';
    afterAll(() => rmSync(join(workspaceRoot, dir), { recursive: true, force: true }));

    it.each(generatorKinds().map((k) => k.kind))('%s', async (kind) => {
      const tree = createTreeWithEmptyWorkspace();
      await pluginGenerator(tree, { name: `gen-${kind}`, kind, directory: dir, skipRegister: true });
      // Write the generated package into the real workspace, where @prd/core and the tools are installed.
      writeChanges(tree, dir);
      const project = join(workspaceRoot, dir, `gen-${kind}`);
      execFileSync('npx', ['tsc', '-b', 'tsconfig.json'], { cwd: project, stdio: 'pipe' });
      const out = execFileSync('npx', ['vitest', 'run', '--reporter=dot'], { cwd: project, encoding: 'utf8', stdio: 'pipe' }).replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
      // Its own test and prd's conformance suite (options, defaults, the kind's interface, errors, outputs).
      expect(out).toMatch(/Test Files\s+2 passed/);
      expect(out).not.toMatch(/failed/);
    }, 120_000);
  });

  describe('a generated plugin is found by prd with no manual step', () => {
    const projectRoot = 'plugins/zz-generated-e2e';
    afterAll(() => rmSync(join(workspaceRoot, projectRoot), { recursive: true, force: true }));

    it('builds it, lists it in prd plugins (no npm install) and writes it into the recipe schema', async () => {
      const tree = createTreeWithEmptyWorkspace();
      const callback = await pluginGenerator(tree, { name: 'zz-generated-e2e', kind: 'explainer', pluginName: 'zz-explain', directory: 'plugins' });
      expect(callback).toBeTypeOf('function');
      writeChanges(tree, projectRoot);
      const schemaOut = join(mkdtempSync(join(tmpdir(), 'prd-gen-')), 'recipe.schema.json');
      registerPlugin(workspaceRoot, projectRoot, schemaOut);
      const prd = join(workspaceRoot, 'packages', 'cli', 'bin', 'run.js');
      const rows = JSON.parse(execFileSync(process.execPath, [prd, 'plugins', '--json'], { cwd: workspaceRoot, encoding: 'utf8' })) as Array<{ kind: string; name: string }>;
      expect(rows).toContainEqual(expect.objectContaining({ kind: 'explainer', name: 'zz-explain' }));
      expect(readFileSync(schemaOut, 'utf8')).toContain('"const": "zz-explain"');
    }, 180_000);
  });
});
