import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The checker script, kept in src (it is Python, not built). */
const SCRIPT = resolve(import.meta.dirname, '..', '..', 'src', 'azureml', 'check_body.py');

/** The azure-ai-ml venv's python: $AZURE_AI_ML_TEST_PYTHON, or the venv .ci/setup/azure-ai-ml.sh makes. */
export function azureAiMlPython(): string {
  const fromEnv = process.env.AZURE_AI_ML_TEST_PYTHON;
  if (fromEnv) return fromEnv;
  const local = resolve(import.meta.dirname, '..', '..', '..', '..', '.venv', 'azure-ai-ml', 'bin', 'python');
  if (existsSync(local)) return local;
  throw new Error('azure-ai-ml is not installed: run `source .ci/setup/azure-ai-ml.sh` (it exports AZURE_AI_ML_TEST_PYTHON)');
}

/**
 * Checks request bodies against the official REST models of azure-ai-ml, in one long-lived Python process
 * (check_body.py). Answers are read in order, one line per request.
 */
export class BodyChecker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(errors: string[]) => void> = [];

  constructor(python = azureAiMlPython()) {
    this.child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => process.stderr.write(`check_body.py: ${d}`));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const next = this.waiting.shift();
      next?.((JSON.parse(line) as { errors: string[] }).errors);
    });
  }

  /** The problems the models find in `body` as a `model` (JobBase, CodeVersion, ...); empty when it is valid. */
  check(model: string, body: unknown): Promise<string[]> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify({ model, body })}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
