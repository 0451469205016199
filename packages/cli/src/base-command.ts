import { Command, Flags, type Interfaces } from '@oclif/core';
import { formatPrdError, isPrdError, secrets, type Issue, type RunEvents } from '@prd/core';

/** Error shape printed with `--json`. */
export interface JsonError {
  error: { message: string; issues: Issue[] };
}

/**
 * Base of every prd command: `--json`, and user errors (PrdError) printed as clear messages with exit code 2 and no
 * stack trace. Anything else is a bug in prd and is reported as one.
 */
export abstract class PrdCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    cwd: Flags.directory({ description: 'Run as if prd was started in this directory.', helpGroup: 'GLOBAL', exists: true }),
  };

  protected async initCommand(flags: { cwd?: string }): Promise<void> {
    if (flags.cwd) process.chdir(flags.cwd);
  }

  /** Print a run's log lines on stderr (only warnings with --json); returns a function that stops printing. */
  protected relayLogs(events: RunEvents): () => void {
    const json = this.jsonEnabled();
    return events.on((event) => {
      if (event.type === 'log' && (!json || event.level === 'warn')) this.note(event.level === 'warn' ? `warning: ${event.message}` : event.message);
    });
  }

  /** Write to stderr with secrets redacted (progress, warnings). */
  protected note(text: string): void {
    process.stderr.write(`${secrets.redact(text)}\n`);
  }

  protected override async catch(error: Interfaces.CommandError): Promise<unknown> {
    // oclif signals exit codes by throwing; let those through.
    if ((error as { oclif?: { exit?: number } }).oclif?.exit !== undefined && !isPrdError(error)) throw error;
    if (isPrdError(error)) {
      if (this.jsonEnabled()) {
        const payload: JsonError = { error: { message: secrets.redact(error.message), issues: error.issues.map((i) => ({ ...i, message: secrets.redact(i.message) })) } };
        process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
      } else {
        process.stderr.write(`${secrets.redact(formatPrdError(error))}\n`);
      }
      return this.exit(error.exitCode);
    }
    const message = secrets.redact(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.stderr.write(`prd hit an internal error (a bug in prd, not in your recipe). Please report it with this trace:\n${message}\n`);
    return this.exit(1);
  }
}
