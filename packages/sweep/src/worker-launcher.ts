import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { JOB_FORMAT, type MetricTree, type RunEvent, type RunJob, type WorkerLine } from '@prd/core';
import type { Launcher } from './scheduler.js';
import { setAssignments } from './space.js';
import type { TrialRecord } from './state.js';

/** Where and how trials run as `prd worker` processes. */
export interface WorkerLauncherOptions {
  /** The command that starts prd, such as [process.execPath, '.../bin/run.js']. */
  command: string[];
  sweepId: string;
  sweepDir: string;
  /** The recipe file (absolute). */
  recipe: string;
  /** `--set` flags the sweep was started with; each trial's values come after them. */
  set: string[];
  runsDir: string;
  cacheDir: string;
  /** Tags that nest every trial under the sweep's parent run. */
  childTags: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

/** The folder of a trial's job file and worker log. */
export function trialDir(sweepDir: string, trial: TrialRecord): string {
  return join(sweepDir, 'trials', String(trial.number).padStart(3, '0'));
}

/** The job a trial runs: the sweep's recipe with the trial's values set, the sweep's cache, tags for the trackers. */
export function trialJob(options: WorkerLauncherOptions, trial: TrialRecord): RunJob {
  return {
    prdJob: JOB_FORMAT,
    kind: 'run',
    recipe: options.recipe,
    // `sweep=null`: a trial is one run, and its tracked params are the recipe's without the search space.
    set: [...options.set, 'sweep=null', ...setAssignments(trial.params)],
    runsDir: options.runsDir,
    cacheDir: options.cacheDir,
    ...(trial.runId && trial.attempts > 1 ? { resume: trial.runId } : {}),
    tags: { ...options.childTags, 'prd.sweep_id': options.sweepId, 'prd.sweep_trial': String(trial.number) },
  };
}

/** Per-epoch metrics from a run's history.csv (a trial whose training came from the cache streams no epochs). */
export function historyEpochs(runDir: string): Array<{ epoch: number; metrics: Record<string, number> }> {
  const file = join(runDir, 'history.csv');
  if (!existsSync(file)) return [];
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const columns = header.split(',');
  return rows.map((row) => {
    const cells = row.split(',');
    const metrics: Record<string, number> = {};
    columns.forEach((c, i) => {
      if (!['epoch', 'timestamp', 'duration_ms', 'learning_rate'].includes(c) && cells[i] !== '') metrics[c] = Number(cells[i]);
    });
    return { epoch: Number(cells[columns.indexOf('epoch')]), metrics };
  });
}

/** Runs each trial as a `prd worker` child process and turns its JSON lines into scheduler callbacks. */
export function workerLauncher(options: WorkerLauncherOptions): Launcher {
  return (trial, callbacks) => {
    const dir = trialDir(options.sweepDir, trial);
    mkdirSync(dir, { recursive: true });
    const jobFile = join(dir, 'job.json');
    writeFileSync(jobFile, `${JSON.stringify(trialJob(options, trial), null, 2)}\n`);
    const [cmd, ...args] = options.command;
    const child = spawn(cmd, [...args, 'worker', jobFile], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    const log = createWriteStream(join(dir, 'worker.log'), { flags: 'a' });
    child.stderr.pipe(log);
    let runDir: string | undefined;
    let epochs = 0;
    let sawEpoch = false;
    let ready = false;
    let outcome: Parameters<typeof callbacks.ended>[0] | undefined;
    const markReady = () => {
      if (!ready) {
        ready = true;
        callbacks.dataReady();
      }
    };
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (text) => {
      log.write(`${text}\n`);
      let line: WorkerLine<RunEvent, { metrics: MetricTree; runDir: string }>;
      try {
        line = JSON.parse(text) as typeof line;
      } catch {
        return;
      }
      if (line.type === 'event') {
        const e = line.event;
        if (e.type === 'run:start') {
          runDir = e.runDir;
          callbacks.started({ runId: e.runId, runDir: e.runDir });
        } else if (e.type === 'step:start' && e.step === 'train') {
          markReady();
        } else if (e.type === 'epoch:start') {
          epochs = e.epochs;
        } else if (e.type === 'epoch') {
          sawEpoch = true;
          callbacks.epoch(e.record.epoch, e.epochs, e.record.metrics);
        }
      } else if (line.type === 'result') {
        if (!sawEpoch && runDir) {
          const history = historyEpochs(runDir);
          for (const h of history) callbacks.epoch(h.epoch, epochs || history.length, h.metrics);
        }
        outcome = { status: 'finished', metrics: line.result.metrics };
      } else if (line.type === 'error') {
        outcome = { status: line.exitCode === 130 ? 'killed' : 'failed', error: line.message };
      }
    });
    let exited = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (exited) return;
      exited = true;
      log.end();
      markReady();
      callbacks.ended(outcome ?? { status: signal ? 'killed' : 'failed', error: `prd worker exited with ${signal ?? `code ${code}`} without a result; see ${join(dir, 'worker.log')}` });
    };
    // stdout may still hold the last lines when the process exits: wait for both.
    let closed = 0;
    let exit: [number | null, NodeJS.Signals | null] = [null, null];
    const both = () => ++closed === 2 && finish(...exit);
    lines.on('close', both);
    child.on('exit', (code, signal) => {
      exit = [code, signal];
      both();
    });
    child.on('error', (error) => {
      outcome ??= { status: 'failed', error: `could not start prd worker: ${error.message}` };
      if (!exited && child.exitCode === null && child.pid === undefined) finish(null, null);
    });
    return {
      stop: () => {
        if (!exited) child.kill('SIGTERM');
      },
    };
  };
}
