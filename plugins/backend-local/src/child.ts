import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOB_FORMAT, PrdError, runWorkerProcess, type TrainContext, type TrainJob, type TrainOutcome, type TrainWorkerJob } from '@prd/core';
import type { LocalConfig } from './options.js';

/**
 * Train in a child process: write the job as a `prd worker` job file (the backend inside trains in its own
 * process) and relay the worker's events. The same file is what a cluster backend would upload.
 */
export async function trainInChild(job: TrainJob, context: TrainContext, config: LocalConfig): Promise<TrainOutcome> {
  if (!context.worker) throw new PrdError('compute.with.process "child" needs prd to start `prd worker` processes, which this host does not offer; use "in-process"');
  const dir = mkdtempSync(join(tmpdir(), 'prd-train-job-'));
  try {
    const file = join(dir, 'job.json');
    const workerJob: TrainWorkerJob = { prdJob: JOB_FORMAT, kind: 'train', backend: { use: 'local', with: { ...config, process: 'in-process' } }, train: job, plugins: context.worker.plugins };
    writeFileSync(file, `${JSON.stringify(workerJob, null, 2)}\n`);
    return await runWorkerProcess<TrainOutcome>(context.worker, file, { events: context.events, signal: context.signal });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
