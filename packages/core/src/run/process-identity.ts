import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Enough to tell later whether a process is still the one that wrote a file (a pid alone can be reused). */
export interface ProcessIdentity {
  pid: number;
  host: string;
  /** When the process started, in ms since the epoch (Linux: from /proc; elsewhere absent). */
  startedAt?: number;
}

/** Whether a process is running: `alive`, `gone`, or `unknown` (it ran on another machine). */
export type ProcessState = 'alive' | 'gone' | 'unknown';

// Start times come from /proc in clock ticks since boot; allow for the boot time's whole-second rounding.
const START_TOLERANCE_MS = 2_000;
const CLOCK_TICKS = 100;

let bootMs: number | undefined | null = null;

function bootTimeMs(): number | undefined {
  if (bootMs !== null) return bootMs;
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('btime '));
    bootMs = line ? Number(line.split(/\s+/)[1]) * 1000 : undefined;
  } catch {
    bootMs = undefined;
  }
  return bootMs;
}

/** When process `pid` started (ms since the epoch), where the system tells (Linux); undefined when unknown or gone. */
export function processStartMs(pid: number): number | undefined {
  const boot = bootTimeMs();
  if (boot === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? boot + (ticks * 1000) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a pid is in use on this machine. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let self: ProcessIdentity | undefined;

/** This process. */
export function currentProcess(): ProcessIdentity {
  self ??= { pid: process.pid, host: hostname(), startedAt: processStartMs(process.pid) };
  return self;
}

/** Whether the process an identity names still runs (a reused pid with another start time is `gone`). */
export function processState(id: ProcessIdentity): ProcessState {
  if (id.host !== currentProcess().host) return 'unknown';
  if (!pidAlive(id.pid)) return 'gone';
  if (id.startedAt === undefined) return 'alive';
  const started = processStartMs(id.pid);
  return started === undefined || Math.abs(started - id.startedAt) <= START_TOLERANCE_MS ? 'alive' : 'gone';
}

/**
 * Whether whatever process `pid` wrote something at `writtenAt` (ms since the epoch) on this machine has ended: the
 * pid is unused, or it now belongs to a process that started after the write.
 */
export function writerGone(pid: number, writtenAt: number): boolean {
  if (!pidAlive(pid)) return true;
  const started = processStartMs(pid);
  return started !== undefined && started > writtenAt + START_TOLERANCE_MS;
}
