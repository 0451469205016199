import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNativeTfjs, NATIVE_DIR, NativeSetupError } from './native-env.js';
import { ensurePythonEnv } from './python-env.js';

/**
 * `npm run bench:native-setup`: build tfjs-node against PyPI's tensorflow-cpu for the training suite's `native`
 * side ahead of a benchmark run (the suite also does it on demand).
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
try {
  const python = ensurePythonEnv(join(REPO, '.bench', 'venv'), join(REPO, 'tools', 'bench', 'python', 'requirements.txt'), log);
  const modules = ensureNativeTfjs(NATIVE_DIR, python, log);
  process.stdout.write(`tfjs-node is ready: NODE_PATH=${modules}\n`);
} catch (error) {
  if (!(error instanceof NativeSetupError)) throw error;
  process.stderr.write(`[bench] native: cannot build tfjs-node: ${error.message}\n`);
  process.exitCode = 2;
}
