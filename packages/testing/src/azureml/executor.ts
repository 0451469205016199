import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';

/** What the executor needs from the control plane to run one command job. */
export interface ExecutionPlan {
  jobName: string;
  command: string;
  /** Where the job's working directory, inputs and outputs live on "the node". */
  root: string;
  /** Downloads the code asset into the working directory. */
  fetchCode(dir: string): Promise<void>;
  /** Inputs: name -> a function that puts the input at the given path (folder or file). */
  inputs: Record<string, { kind: 'uri_folder' | 'uri_file' | 'literal'; value?: string; fetch?: (dest: string) => Promise<string> }>;
  outputs: string[];
  env: Record<string, string>;
  /** The user log blob (an append blob), as AzureML writes user_logs/std_log.txt. */
  log: ContainerClient;
  logName: string;
  /** Uploads one output folder when the command has ended. */
  uploadOutput(name: string, dir: string): Promise<void>;
}

/** A running job: its exit and a way to cancel it. */
export interface Execution {
  done: Promise<number>;
  cancel(): void;
}

/** Every file under dir, relative. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/**
 * Run a command job as an AzureML node would: code in the working directory, inputs downloaded and named by
 * `${{inputs.x}}` and AZURE_ML_INPUT_x, outputs as folders named by `${{outputs.y}}` and AZURE_ML_OUTPUT_y, the
 * command run by bash with this machine's node, its output appended to user_logs/std_log.txt while it runs, the
 * outputs uploaded when it ends.
 */
export async function execute(plan: ExecutionPlan, onStart: () => void): Promise<Execution> {
  const wd = join(plan.root, 'wd');
  const cap = join(plan.root, 'cap', 'data-capability', 'wd');
  mkdirSync(wd, { recursive: true });
  await plan.fetchCode(wd);
  const env: Record<string, string> = { ...plan.env };
  // A node has none of the test runner's variables: NODE_ENV=test would put the node's oclif in development mode,
  // looking for TypeScript that an image does not have.
  for (const name of Object.keys(env)) if (name === 'NODE_ENV' || name.startsWith('VITEST')) delete env[name];
  let command = plan.command;
  for (const [name, input] of Object.entries(plan.inputs)) {
    let value = input.value ?? '';
    if (input.fetch) value = await input.fetch(join(cap, `INPUT_${name}`));
    env[`AZURE_ML_INPUT_${name}`] = value;
    command = command.split(`\${{inputs.${name}}}`).join(value);
  }
  const outputDirs: Record<string, string> = {};
  for (const name of plan.outputs) {
    const dir = join(cap, name);
    mkdirSync(dir, { recursive: true });
    outputDirs[name] = dir;
    env[`AZURE_ML_OUTPUT_${name}`] = dir;
    command = command.split(`\${{outputs.${name}}}`).join(dir);
  }
  const log = plan.log.getAppendBlobClient(plan.logName);
  await log.createIfNotExists();
  let buffer: Buffer[] = [];
  let flushing = Promise.resolve();
  const flush = () => {
    if (buffer.length === 0) return flushing;
    const chunk = Buffer.concat(buffer);
    buffer = [];
    flushing = flushing.then(() => log.appendBlock(chunk, chunk.length).then(() => undefined));
    return flushing;
  };
  const timer = setInterval(() => void flush(), 200);
  const child = spawn('bash', ['-c', command], { cwd: wd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  onStart();
  child.stdout.on('data', (d: Buffer) => buffer.push(d));
  child.stderr.on('data', (d: Buffer) => buffer.push(d));
  const done = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(timer);
      void (async () => {
        await flush();
        for (const [name, dir] of Object.entries(outputDirs)) await plan.uploadOutput(name, dir);
        resolve(code ?? (signal ? 128 + 15 : 1));
      })();
    });
  });
  return {
    done,
    cancel: () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    },
  };
}

/** Make sure a file's folder exists. */
export function ensureDirFor(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
}
