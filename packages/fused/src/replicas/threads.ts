import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The compiled worker script `relative` to `base` (a module's `import.meta.url`). Tests run from src/, where only
 * the compiled dist/ copy can start as a worker; `pkg` names the package to build when neither exists.
 */
export function workerScript(base: string, relative: string, pkg: string): string {
  const here = fileURLToPath(new URL(relative, base));
  if (existsSync(here)) return here;
  // The last src/ of the path is the package's (a checkout may itself live under a folder named src).
  const at = Math.max(here.lastIndexOf('/src/'), here.lastIndexOf('\\src\\'));
  const built = at < 0 ? here : `${here.slice(0, at + 1)}dist${here.slice(at + 4)}`;
  if (existsSync(built)) return built;
  throw new Error(`data-parallel training needs ${built}; build ${pkg} first`);
}

/**
 * The worker threads of one data-parallel trainer (used by @prd/fused's replicas and by @prd/backend-local's tfjs
 * replicas): started together, each ready at its first message, watched for an error or an exit, stopped together.
 */
export class ReplicaThreads {
  private readonly workers: Worker[] = [];
  private readonly exited = new Set<Worker>();
  private reason?: string;

  /** `recorded` reads a failure a replica wrote before exiting (shared memory), the better reason to give. */
  constructor(private readonly recorded: () => string | undefined = () => undefined) {}

  /** Why a replica is gone, once one is (an error, or an exit before {@link stop}). */
  get dead(): string | undefined {
    return this.reason;
  }

  /** Start replica `k` of `script` with `workerData`; resolves once it has posted its first message. */
  private start(k: number, script: string, workerData: unknown): Promise<void> {
    const worker = new Worker(script, { workerData });
    this.workers.push(worker);
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(this.recorded() ?? `replica ${k} exited with code ${code} before it was ready`)));
    });
    worker.on('error', (error) => (this.reason ??= `replica ${k}: ${error.message}`));
    worker.on('exit', (code) => {
      this.exited.add(worker);
      this.reason ??= this.recorded() ?? `replica ${k} exited (code ${code}) during training`;
    });
    return ready;
  }

  /**
   * Start replicas 1..n of `script`, one per entry of `inits`, and wait until all are ready. If one fails,
   * `close` (which tells the others to stop and waits for them) runs before the error is thrown.
   */
  async startAll(script: string, inits: unknown[], close: () => Promise<void>): Promise<void> {
    try {
      await Promise.all(inits.map((init, i) => this.start(i + 1, script, init)));
    } catch (error) {
      await close();
      throw error;
    }
  }

  /** Wait for every worker to exit (they were told to stop), terminating any still running after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    const running = this.workers.filter((w) => !this.exited.has(w));
    await Promise.all(
      running.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void w.terminate().then(() => resolve()), graceMs);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}
