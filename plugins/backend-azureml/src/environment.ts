import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { PrdError, type RunPackage } from '@prd/core';

/** Where the image installs prd; its `node_modules/.bin` goes first on the PATH, so `prd` is the packed CLI. */
export const PRD_PREFIX = '/opt/prd';
/**
 * The registry the image's npm asks for an `@prd/*` package that is not among the tarballs: a name that never
 * resolves, so a missing package fails the build instead of installing whatever a public registry has by that name.
 */
const NO_REGISTRY = 'https://prd-packages.invalid/';

/** A Docker build context for prd's environment: a folder, its files and the digest of their content. */
export interface EnvironmentContext {
  dir: string;
  files: Array<{ name: string; path: string }>;
  /** sha256 of every file's name and bytes (tarballs included): an unchanged prd makes the same environment. */
  hash: string;
  /** The packages packed into it. */
  packages: RunPackage[];
}

/**
 * The Dockerfile of prd's environment: Node 20 on the base image, then the packed prd packages installed into
 * /opt/prd from the tarballs beside it (their third-party dependencies from npm).
 */
export function dockerfile(baseImage: string): string {
  return [
    `FROM ${baseImage}`,
    'RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs && rm -rf /var/lib/apt/lists/*',
    `COPY prd ${PRD_PREFIX}`,
    `RUN npm install --prefix ${PRD_PREFIX} --omit=dev --no-audit --no-fund`,
    `ENV PATH=${PRD_PREFIX}/node_modules/.bin:$PATH`,
    '',
  ].join('\n');
}

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The folder Node resolves package `name` to from `from` (the nearest node_modules), real path. */
function resolvePackageDir(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/** A dependency no registry has: an `@prd/*` package, or one linked from a folder outside node_modules (a workspace). */
function mustPack(name: string, dir: string): boolean {
  return name.startsWith('@prd/') || !dir.split(sep).includes('node_modules');
}

/** The packages with, transitively, each dependency no registry has (see mustPack), each once, sorted by name. */
export function packageClosure(roots: RunPackage[]): RunPackage[] {
  const found = new Map<string, RunPackage>();
  const queue = roots.map((p) => ({ ...p, dir: realpathSync(p.dir) }));
  while (queue.length > 0) {
    const pkg = queue.shift()!;
    if (found.has(pkg.name)) continue;
    found.set(pkg.name, pkg);
    for (const dep of Object.keys(readPackage(pkg.dir).dependencies ?? {})) {
      if (found.has(dep)) continue;
      const dir = resolvePackageDir(pkg.dir, dep);
      if (!dir) {
        if (dep.startsWith('@prd/')) throw new PrdError(`${pkg.name} depends on ${dep}, which is not installed here (looked from ${pkg.dir}); run npm install`);
        continue;
      }
      if (mustPack(dep, dir)) queue.push({ name: dep, version: readPackage(dir).version, dir });
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** `npm pack` the package folders into `dest` (no lifecycle scripts); returns each tarball's file name by package. */
async function npmPack(dirs: string[], dest: string): Promise<Map<string, string>> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dest, ...dirs], { maxBuffer: 64 * 1024 * 1024, shell: process.platform === 'win32' }));
  } catch (error) {
    const why = String((error as { stderr?: string }).stderr || (error as Error).message).trim().split('\n').slice(-4).join(' ');
    throw new PrdError(`could not pack prd's packages for the AzureML environment (npm pack: ${why}); prd needs npm on the PATH, or set compute.with.environment to an environment of your own`);
  }
  const packed = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ name: string; filename: string }>;
  return new Map(packed.map((p) => [p.name, p.filename.replace(/^@/, '').replace(/\//g, '-')]));
}

/** Every file under dir, relative with forward slashes, sorted. */
function filesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Write the build context of prd's environment into `dir`: the Dockerfile, and under `prd/` the `npm pack` tarball
 * of each package the run needs (the CLI and the recipe's plugin packages, with their unpublished dependencies), a
 * package.json that depends on exactly those tarballs, and an .npmrc that keeps `@prd/*` off public registries.
 */
export async function environmentContext(packages: RunPackage[], baseImage: string, dir: string): Promise<EnvironmentContext> {
  const all = packageClosure(packages);
  const tarballs = join(dir, 'prd', 'tarballs');
  mkdirSync(tarballs, { recursive: true });
  const packed = await npmPack(all.map((p) => p.dir), tarballs);
  const dependencies: Record<string, string> = {};
  for (const p of all) {
    const file = packed.get(p.name);
    if (!file || !existsSync(join(tarballs, file))) throw new PrdError(`npm pack did not write a tarball for ${p.name} (${p.dir})`);
    dependencies[p.name] = `file:tarballs/${file}`;
  }
  // Overrides point every @prd dependency edge (the CLI's "@prd/core": "*") at the tarball: npm asks no registry for one.
  const overrides = Object.fromEntries(Object.keys(dependencies).map((name) => [name, `$${name}`]));
  writeFileSync(join(dir, 'prd', 'package.json'), `${JSON.stringify({ name: 'prd-environment', private: true, dependencies, overrides }, null, 2)}\n`);
  writeFileSync(join(dir, 'prd', '.npmrc'), `@prd:registry=${NO_REGISTRY}\n`);
  writeFileSync(join(dir, 'Dockerfile'), dockerfile(baseImage));
  const names = filesIn(dir);
  const h = createHash('sha256');
  for (const name of names) h.update(`${name}\0`).update(readFileSync(join(dir, name))).update('\0');
  return { dir, files: names.map((name) => ({ name, path: join(dir, name) })), hash: h.digest('hex'), packages: all };
}
