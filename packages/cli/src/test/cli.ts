import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The `prd` executable of this package (PRD_TEST_BIN runs the tests against another build, such as main's). */
export const PRD_BIN = process.env.PRD_TEST_BIN ?? resolve(import.meta.dirname, '..', '..', 'bin', 'run.js');

/** The repository's recipes directory. */
export const RECIPES = resolve(import.meta.dirname, '..', '..', '..', '..', 'recipes');

/** What a `prd` invocation printed and how it exited. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run `prd` as a user would (a separate process), in `cwd`. */
export function prd(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [PRD_BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1', ...env }, timeout: 600_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh working directory. */
export function workDir(): string {
  return mkdtempSync(join(tmpdir(), 'prd-cli-'));
}
