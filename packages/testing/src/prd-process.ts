import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

/** The repository's root and its `prd` entry point, as integration tests run it. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
const PRD = join(REPO_ROOT, 'packages', 'cli', 'bin', 'run.js');

/** What a `prd` process printed and how it ended. */
export interface PrdResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `prd` as a user would, without blocking this process (a server in this process may have to answer it).
 * `onStderr` sees stderr as it grows and may signal the child (Ctrl-C tests).
 */
export function runPrd(args: string[], options: { cwd: string; env?: Record<string, string>; onStderr?: (stderr: string, child: ChildProcess) => void }): Promise<PrdResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [PRD, ...args], { cwd: options.cwd, env: { ...process.env, CI: '1', NO_COLOR: '1', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      options.onStderr?.(stderr, child);
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
