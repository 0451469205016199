import { PRD_BIN } from './bin-path.js';
import type { WorkerLauncher } from '@prd/core';

/** How this CLI starts `prd worker` in a child process: the same node and the same prd script. */
export function workerLauncher(plugins?: WorkerLauncher['plugins']): WorkerLauncher {
  return { command: [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--inspect')), PRD_BIN], plugins };
}
