import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A tracking server of a test's own, which the test may kill and restart on the same store. */
export interface OwnServer {
  uri: string;
  port: number;
  /** Kill the server's whole process group at once (SIGKILL: no goodbye, like a crash). */
  kill(): Promise<void>;
  /** Start it again on the same port and store; resolves when /health answers. */
  restart(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function healthy(uri: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${uri}/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`mlflow server at ${uri} did not answer /health within ${timeoutMs} ms`);
}

/** Start `mlflow server` on a free port with a SQLite store and proxied artifacts under `dir`. */
export async function startOwnServer(bin: string, dir: string): Promise<OwnServer> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const uri = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  const start = async () => {
    const log = openSync(join(dir, 'server.log'), 'a');
    child = spawn(
      bin,
      ['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1', '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`, '--artifacts-destination', join(dir, 'artifacts'), '--serve-artifacts'],
      { detached: true, stdio: ['ignore', log, log], env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' } },
    );
    child.unref();
    await healthy(uri, 180_000, child);
  };
  await start();
  return {
    uri,
    port,
    kill: async () => {
      if (child.pid !== undefined && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid, 'SIGKILL');
        await exited;
      }
      // Workers of the group may take a moment to release the port.
      for (let i = 0; i < 40; i++) {
        try {
          await fetch(`${uri}/health`);
          await new Promise((r) => setTimeout(r, 100));
        } catch {
          return;
        }
      }
    },
    restart: start,
  };
}
