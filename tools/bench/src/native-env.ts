import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The benchmark's own npm prefix for tfjs-node (under the git-ignored .bench/ of the repository). */
export const NATIVE_DIR = fileURLToPath(new URL('../../../.bench/native', import.meta.url));

/** The tfjs-node release whose addon is built: the same version as the project's @tensorflow/tfjs-core. */
export const TFJS_NODE_VERSION = '4.22.0';
/** The C library file names tfjs-node 4.22's binding.gyp and install script look for, and the wheel's file each is. */
const LIBRARY_NAMES: [name: string, wheelFile: string][] = [
  ['libtensorflow.so', 'libtensorflow_cc.so.2'],
  // install.js skips its download from Google's storage when this one exists
  ['libtensorflow.so.2.9.1', 'libtensorflow_cc.so.2'],
  ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
  // the SONAMEs the linked addon asks for at run time (its rpath is deps/lib)
  ['libtensorflow_cc.so.2', 'libtensorflow_cc.so.2'],
  ['libtensorflow_framework.so.2', 'libtensorflow_framework.so.2'],
];

/** Why tfjs-node could not be built, with what to change. */
export class NativeSetupError extends Error {}

/** Where the wheel's `tensorflow` package sits, found without importing it (importing TensorFlow takes seconds). */
function tensorflowDir(python: string): string {
  const script = 'import importlib.util as u\ns=u.find_spec("tensorflow")\nprint(s.submodule_search_locations[0] if s else "")';
  const dir = execFileSync(python, ['-c', script], { encoding: 'utf8' }).trim();
  if (!dir) throw new NativeSetupError(`no tensorflow package in ${python}'s environment; tools/bench/python/requirements.txt installs tensorflow-cpu`);
  for (const file of ['include/tensorflow/c/c_api.h', 'include/tensorflow/c/eager/c_api.h', 'libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    if (!existsSync(join(dir, file))) throw new NativeSetupError(`${join(dir, file)} is missing: this tensorflow wheel does not ship the C API tfjs-node needs (tensorflow-cpu 2.21.0 does)`);
  }
  return dir;
}

/** The directory holding include/node/node_api.h for node-gyp (`--nodedir`): Node's own prefix, e.g. /usr. */
function nodeHeadersDir(): string {
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  throw new NativeSetupError(`Node's C headers are not in ${join(prefix, 'include', 'node')} (node-gyp would download them, and this build stays offline); install them (Debian: libnode-dev) or use a Node distribution that ships include/node`);
}

function requireTools(): void {
  for (const tool of ['g++', 'make', 'python3']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) throw new NativeSetupError(`${tool} is not on PATH; building tfjs-node's addon needs g++, make and python3 (Debian: build-essential python3)`);
  }
}

/** Run a command with its output in `logFile`; on failure, the error quotes the log's last lines. */
function runLogged(command: string, args: string[], cwd: string, logFile: string, env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(logFile, `$ ${command} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}`, { flag: 'a' });
  if (result.status !== 0) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n  ');
    throw new NativeSetupError(`\`${command} ${args.join(' ')}\` failed in ${cwd} (full log: ${logFile}):\n  ${tail || result.error?.message}`);
  }
}

/**
 * `@tensorflow/tfjs-node` built from source against the C library of the benchmark venv's `tensorflow-cpu` wheel,
 * in its own npm prefix `dir` (never the project's node_modules: prd's users and tests do not need it).
 * Idempotent: a stamp records what was built, and a finished build is reused. Returns the node_modules directory
 * to put on NODE_PATH. Throws {@link NativeSetupError} saying what is missing when it cannot build.
 */
export function ensureNativeTfjs(dir: string, python: string, log: (m: string) => void): string {
  const modules = join(dir, 'node_modules');
  const pkg = join(modules, '@tensorflow', 'tfjs-node');
  // node-pre-gyp puts the addon in lib/napi-v<the highest N-API version both Node and tfjs-node support>/.
  const addon = () => (existsSync(join(pkg, 'lib')) ? readdirSync(join(pkg, 'lib')).filter((d) => d.startsWith('napi-v')).map((d) => join(pkg, 'lib', d, 'tfjs_binding.node')).find((f) => existsSync(f)) : undefined);
  const tfDir = tensorflowDir(python);
  const wanted = JSON.stringify({ tfjsNode: TFJS_NODE_VERSION, tensorflow: tfDir, napi: process.versions.napi });
  const stamp = join(dir, '.built');
  if (addon() && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return modules;

  requireTools();
  const nodedir = nodeHeadersDir();
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'build.log');
  writeFileSync(logFile, '');
  rmSync(stamp, { force: true });
  const started = performance.now();
  const installed = existsSync(join(pkg, 'package.json')) && (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version === TFJS_NODE_VERSION;
  if (!installed) {
    log(`native: installing @tensorflow/tfjs-node@${TFJS_NODE_VERSION} without its install script into ${dir}`);
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'prd-bench-native', private: true, description: 'tfjs-node for prd benchmarks only (tools/bench/src/native-env.ts)' }, null, 2)}\n`);
    runLogged('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--save-exact', `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`], dir, logFile);
  }
  // deps/ is what tfjs-node's own install script would download from Google's storage: headers and libtensorflow.
  const deps = join(pkg, 'deps');
  rmSync(deps, { recursive: true, force: true });
  mkdirSync(join(deps, 'lib'), { recursive: true });
  symlinkSync(join(tfDir, 'include'), join(deps, 'include'));
  for (const [name, wheelFile] of LIBRARY_NAMES) symlinkSync(join(tfDir, wheelFile), join(deps, 'lib', name));
  log(`native: compiling tfjs-node's addon against ${tfDir} (a few minutes; log in ${logFile})`);
  // npm_config_nodedir: node-gyp takes Node's headers from there instead of downloading them.
  // npm_config_build_from_source: never try tfjs-node's prebuilt addon (built for libtensorflow 2.9.1).
  rmSync(join(pkg, 'lib'), { recursive: true, force: true });
  const env = { ...process.env, npm_config_nodedir: nodedir, npm_config_build_from_source: 'true' };
  runLogged('npm', ['rebuild', '@tensorflow/tfjs-node', '--foreground-scripts'], dir, logFile, env);
  if (!addon()) throw new NativeSetupError(`the build finished but left no ${join(pkg, 'lib', 'napi-v*', 'tfjs_binding.node')} (full log: ${logFile})`);
  // Load it in a separate process: a library that fails to load must not take the benchmark down with it.
  const check = "const tf=require('@tensorflow/tfjs-node');const s=tf.matMul(tf.ones([2,3]),tf.ones([3,2])).dataSync();if(tf.getBackend()!=='tensorflow'||s[0]!==3)throw new Error('wrong result '+tf.getBackend()+' '+s[0]);";
  runLogged(process.execPath, ['-e', check], dir, logFile, { ...process.env, NODE_PATH: modules, TF_CPP_MIN_LOG_LEVEL: '2' });
  writeFileSync(stamp, wanted);
  log(`native: tfjs-node built and loaded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return modules;
}
