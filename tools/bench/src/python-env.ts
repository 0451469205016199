import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The benchmark's own Python virtual environment (reference implementations only; prd never needs Python):
 * created once under `dir`, and re-synced whenever requirements.txt changes.
 */
export function ensurePythonEnv(dir: string, requirementsFile: string, log: (m: string) => void): string {
  const python = join(dir, 'bin', 'python');
  const stamp = join(dir, '.requirements');
  const wanted = readFileSync(requirementsFile, 'utf8');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return python;
  if (!existsSync(python)) {
    log(`creating a Python virtual environment in ${dir}`);
    execFileSync('python3', ['-m', 'venv', dir], { stdio: 'inherit' });
  }
  log(`installing the reference implementations' packages (${requirementsFile})`);
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirementsFile], { stdio: 'inherit' });
  writeFileSync(stamp, wanted);
  return python;
}

/** `python --version` and the versions of the reference packages, for the results file. */
export function pythonVersions(python: string): Record<string, string> {
  const script = 'import json,sys,importlib.metadata as m\nout={"python":sys.version.split()[0]}\nfor p in ("pandas","numpy","tensorflow-cpu","tensorflow","keras"):\n  try: out[p]=m.version(p)\n  except Exception: pass\nprint(json.dumps(out))';
  try {
    return JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8' })) as Record<string, string>;
  } catch {
    return {};
  }
}
