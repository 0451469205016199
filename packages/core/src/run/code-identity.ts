import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileSha256 } from './entry-digest.js';

/** What a package's code is: name, version, and a digest of its built files and of the local packages it uses. */
export interface CodeIdentity {
  package: string;
  version: string;
  /** sha256 (hex, 16 digits) of the built files, and of the code identity of every local (linked) dependency. */
  code: string;
}

/** Files that are code: what `node` loads (JavaScript, wasm, native addons) and the package manifest. */
const CODE_FILE = /\.(?:c|m)?js$|\.wasm$|\.node$|^package\.json$/;
const NOT_CODE = /\.test\.|\.spec\.|\.fixture\./;
const SKIP_DIRS = new Set(['node_modules', '.git', 'src', 'test', 'tests', 'coverage', '.nx']);

const memo = new Map<string, CodeIdentity>();

function readManifest(dir: string): { name?: string; version?: string; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string; dependencies?: Record<string, string> };
}

/** The directory of the package that holds `path` (a file or a directory), if any. */
export function packageDirOf(path: string): string | undefined {
  let dir = existsSync(path) && statSync(path).isDirectory() ? path : dirname(path);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function codeFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.isFile() && CODE_FILE.test(entry.name) && !NOT_CODE.test(entry.name)) {
        out.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
      }
    }
  };
  walk(root);
  return out.sort();
}

/** Where a dependency of the package in `dir` is installed (node's lookup: node_modules up the tree). */
function dependencyDir(dir: string, name: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', ...name.split('/'));
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(at) === at) return undefined;
  }
}

/**
 * The code identity of the package in `dir`, computed once per process. Dependencies installed from a registry
 * count by version (they change only with it); linked local packages (workspaces, `npm link`) count by their own
 * code digest, since they change without a version bump.
 */
export function packageCode(dir: string, seen = new Set<string>()): CodeIdentity {
  const real = realpathSync(dir);
  const known = memo.get(real);
  if (known) return known;
  const manifest = readManifest(real);
  const hash = createHash('sha256');
  for (const file of codeFiles(real)) hash.update(`${file}\0${fileSha256(join(real, file))}\n`);
  seen.add(real);
  for (const name of Object.keys(manifest.dependencies ?? {}).sort()) {
    const dep = dependencyDir(real, name);
    if (!dep) {
      hash.update(`dep ${name} missing\n`);
    } else if (dep.split(sep).includes('node_modules')) {
      hash.update(`dep ${name}@${readManifest(dep).version ?? '?'}\n`);
    } else if (!seen.has(dep)) {
      hash.update(`dep ${name} ${packageCode(dep, seen).code}\n`);
    }
  }
  const identity: CodeIdentity = { package: manifest.name ?? real, version: manifest.version ?? '0.0.0', code: hash.digest('hex').slice(0, 16) };
  memo.set(real, identity);
  return identity;
}

/** The code identity of a plugin loaded from `path` (its package directory, or a module file outside any package). */
export function pluginCode(path: string): CodeIdentity {
  const dir = packageDirOf(path);
  if (dir) return packageCode(dir);
  const real = realpathSync(path);
  return { package: real, version: 'local', code: fileSha256(real).slice(0, 16) };
}

/** The code identity of @prd/core itself: the steps it runs (split, scale, predict's writing) are its code. */
export function coreCode(): CodeIdentity {
  return packageCode(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
}
