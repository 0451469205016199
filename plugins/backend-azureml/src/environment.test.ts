import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { imageFor, tempDir } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import { dockerfile, environmentContext, packageClosure } from './environment.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');

/** A workspace of two packages linked into node_modules as npm links them: @prd/a needs @prd/b and a registry package. */
function workspace(): { root: string; a: string; b: string } {
  const root = tempDir('prd-env-ws-');
  const pkg = (name: string, deps: Record<string, string>) => {
    const dir = join(root, 'packages', name.split('/')[1]);
    mkdirSync(join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.2.3', type: 'module', main: 'dist/index.js', files: ['dist'], dependencies: deps }));
    writeFileSync(join(dir, 'dist', 'index.js'), `export const name = ${JSON.stringify(name)};\n`);
    mkdirSync(join(root, 'node_modules', '@prd'), { recursive: true });
    symlinkSync(dir, join(root, 'node_modules', name));
    return dir;
  };
  const b = pkg('@prd/b', {});
  const a = pkg('@prd/a', { '@prd/b': '*', yaml: '^2.0.0' });
  // A registry package is installed under node_modules: it is not packed.
  mkdirSync(join(root, 'node_modules', 'yaml'), { recursive: true });
  writeFileSync(join(root, 'node_modules', 'yaml', 'package.json'), JSON.stringify({ name: 'yaml', version: '2.9.0' }));
  return { root, a, b };
}

describe("prd's environment", () => {
  it('packs the CLI and the recipe plugins with their @prd dependencies, transitively, and nothing else of the workspace', () => {
    const names = (roots: string[]) => packageClosure(roots.map((dir) => ({ name: '', version: '', dir: join(REPO, dir) })).map((p) => ({ ...p, name: JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')).name }))).map((p) => p.name);
    expect(names(['packages/cli', 'plugins/source-synthetic', 'plugins/backend-local'])).toEqual(['@prd/backend-local', '@prd/cli', '@prd/core', '@prd/fused', '@prd/precip', '@prd/report', '@prd/source-synthetic', '@prd/sweep', '@prd/tensor']);
  });

  it('is a build context of tarballs, named by the digest of their content: unchanged packages give the same digest, a changed file another', async () => {
    const ws = workspace();
    const first = await environmentContext([{ name: '@prd/a', version: '1.2.3', dir: ws.a }], 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest', tempDir('prd-env-ctx-'));
    expect(first.files.map((f) => f.name)).toEqual(['Dockerfile', 'prd/.npmrc', 'prd/package.json', 'prd/tarballs/prd-a-1.2.3.tgz', 'prd/tarballs/prd-b-1.2.3.tgz']);
    expect(JSON.parse(readFileSync(join(first.dir, 'prd', 'package.json'), 'utf8'))).toMatchObject({
      dependencies: { '@prd/a': 'file:tarballs/prd-a-1.2.3.tgz', '@prd/b': 'file:tarballs/prd-b-1.2.3.tgz' },
      overrides: { '@prd/a': '$@prd/a', '@prd/b': '$@prd/b' },
    });
    expect(readFileSync(join(first.dir, 'prd', '.npmrc'), 'utf8')).toMatch(/^@prd:registry=https:\/\/[^/]+\.invalid\//);
    expect(readFileSync(join(first.dir, 'Dockerfile'), 'utf8')).toBe(dockerfile('mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest'));
    const again = await environmentContext([{ name: '@prd/a', version: '1.2.3', dir: ws.a }], 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest', tempDir('prd-env-ctx-'));
    expect(again.hash).toBe(first.hash);
    writeFileSync(join(ws.b, 'dist', 'index.js'), 'export const name = "changed";\n');
    const changed = await environmentContext([{ name: '@prd/a', version: '1.2.3', dir: ws.a }], 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest', tempDir('prd-env-ctx-'));
    expect(changed.hash).not.toBe(first.hash);
  }, 120_000);

  it('builds on the test control plane into an image holding the packed packages; a tarball missing from the context fails the build', async () => {
    const ws = workspace();
    const context = await environmentContext([{ name: '@prd/a', version: '1.2.3', dir: ws.a }], 'base:1', tempDir('prd-env-ctx-'));
    const cache = tempDir('prd-env-images-');
    const image = await imageFor(context.dir, cache);
    const installed = join(image.dir, 'fs', 'opt', 'prd', 'node_modules');
    expect(image.path[0]).toBe(join(installed, '.bin'));
    expect(readFileSync(join(installed, '@prd', 'b', 'dist', 'index.js'), 'utf8')).toContain('"@prd/b"');
    // The registry dependency came from npm.
    expect(existsSync(join(installed, 'yaml', 'package.json'))).toBe(true);
    // What a closure that missed @prd/b would pack: npm must not find it anywhere else.
    const manifest = join(context.dir, 'prd', 'package.json');
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies: Record<string, string>; overrides: Record<string, string> };
    delete pkg.dependencies['@prd/b'];
    delete pkg.overrides['@prd/b'];
    writeFileSync(manifest, JSON.stringify(pkg));
    rmSync(join(context.dir, 'prd', 'tarballs', 'prd-b-1.2.3.tgz'));
    // Fail at the first unanswered lookup rather than after npm's retries with backoff (minutes).
    writeFileSync(join(context.dir, 'prd', '.npmrc'), `${readFileSync(join(context.dir, 'prd', '.npmrc'), 'utf8')}fetch-retries=0\n`);
    await expect(imageFor(context.dir, cache)).rejects.toThrow(/ENOTFOUND|prd-packages\.invalid/);
  }, 300_000);

  it('installs the packed CLI from the tarballs: its Dockerfile puts them in /opt/prd and its bin first on the PATH', () => {
    expect(dockerfile('base:1').split('\n')).toEqual([
      'FROM base:1',
      'RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs && rm -rf /var/lib/apt/lists/*',
      'COPY prd /opt/prd',
      'RUN npm install --prefix /opt/prd --omit=dev --no-audit --no-fund',
      'ENV PATH=/opt/prd/node_modules/.bin:$PATH',
      '',
    ]);
  });
});
