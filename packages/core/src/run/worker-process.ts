import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PrdError } from '../errors.js';
import type { WorkerLauncher } from '../plugin/contract.js';
import type { RunEvent, RunEvents } from './events.js';
import type { WorkerLine } from './job.js';

/** Lines of a worker's stderr kept for the error message when it dies without saying why. */
const STDERR_TAIL = 20;

/**
 * Run a job file with `prd worker` in a child process: its events are relayed to `events` as they come, its result
 * is returned, its error line becomes a PrdError. Aborting `signal` sends SIGTERM (the worker stops after the
 * current batch, as `prd run` does on Ctrl-C).
 */
export function runWorkerProcess<R>(launcher: WorkerLauncher, jobFile: string, live: { events: RunEvents; signal: AbortSignal; cwd?: string }): Promise<R> {
  const [command, ...args] = launcher.command;
  return new Promise<R>((resolve, reject) => {
    const child = spawn(command, [...args, 'worker', jobFile], { cwd: live.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let result: { value: R } | undefined;
    let failure: Error | undefined;
    const stderr: string[] = [];
    const onAbort = () => child.kill('SIGTERM');
    live.signal.addEventListener('abort', onAbort, { once: true });
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > STDERR_TAIL) stderr.shift();
    });
    createInterface({ input: child.stdout }).on('line', (text) => {
      let line: WorkerLine<RunEvent, R>;
      try {
        line = JSON.parse(text) as WorkerLine<RunEvent, R>;
      } catch {
        live.events.log(`worker: ${text}`, 'debug');
        return;
      }
      if (line.type === 'event') live.events.emit(line.event);
      else if (line.type === 'result') result = { value: line.result };
      else failure = new PrdError(line.message, [], { exitCode: line.exitCode });
    });
    child.on('error', (error) => {
      live.signal.removeEventListener('abort', onAbort);
      reject(new PrdError(`could not start prd worker (${launcher.command.join(' ')}): ${error.message}`));
    });
    child.on('close', (code, signal) => {
      live.signal.removeEventListener('abort', onAbort);
      if (live.signal.aborted) reject(live.signal.reason ?? new Error('aborted'));
      else if (failure) reject(failure);
      else if (result) resolve(result.value);
      else reject(new Error(`prd worker ended (${signal ?? `exit code ${code}`}) without a result${stderr.length ? `:\n${stderr.join('\n')}` : ''}`));
    });
  });
}
