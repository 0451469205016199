import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { inputColumns, literal, mlColumns, RunEvents, TensorFile, TensorFileWriter, type ComputeBackend, type DataEngine, type ResolvedModel } from '@prd/core';
import { parseJsonRequest, type RequestTable } from './parse-body.js';
import { RequestError } from './request-error.js';
import { layoutOfModel, tensorOfRows } from './score-rows.js';

/** What the scoring server needs: the model, the backend that applies it, scratch space. */
export interface ScoringServerOptions {
  model: ResolvedModel;
  backend: ComputeBackend;
  /** Reads CSV request bodies. */
  engine: DataEngine;
  tempDir: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  version: string;
  /** Called once per answered request (for the access log). */
  onRequest?: (line: string) => void;
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RequestError(413, `the request body is larger than ${limit} bytes; send fewer rows per request or start prd serve with a larger --max-body`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' });
  res.end(text);
}

/**
 * An HTTP scoring server for one model, speaking MLflow's scoring protocol where it fits: `GET /ping`, `/health`,
 * `/version`, `/metadata`, and `POST /invocations` with JSON (`dataframe_split`, `dataframe_records`, `instances`,
 * `inputs`) or CSV (`text/csv`, a header row). Answers `{"predictions": [{<ml column>: value, ...}, ...]}`.
 * Requests are scored one at a time, so memory stays bounded.
 */
export function createScoringServer(options: ScoringServerOptions): Server {
  const { model, backend } = options;
  const outputs = mlColumns(model.preprocessing);
  const metadata = { inputs: inputColumns(model.features), outputs, task: model.preprocessing.task, bands: model.preprocessing.bands };
  let queue: Promise<unknown> = Promise.resolve();
  let counter = 0;

  const tableOf = async (req: IncomingMessage, text: string): Promise<RequestTable> => {
    const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/json') return parseJsonRequest(text);
    if (type === 'text/csv') {
      const file = join(options.tempDir, `request-${++counter}.csv`);
      writeFileSync(file, text);
      try {
        const rows = await options.engine.rows(`SELECT * FROM read_csv(${literal(file)}, header = true, all_varchar = true)`);
        const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
        return { columns, rows: rows.map((r) => columns.map((c) => r[c])) };
      } catch (error) {
        throw new RequestError(400, `the CSV body could not be read: ${(error as Error).message.split('\n')[0]}`);
      } finally {
        rmSync(file, { force: true });
      }
    }
    throw new RequestError(415, `content type "${type}" is not supported; send application/json or text/csv`);
  };

  const score = async (table: RequestTable): Promise<Array<Record<string, number>>> => {
    const values = tensorOfRows(model.preprocessing, table);
    const path = join(options.tempDir, `rows-${++counter}.f32`);
    const writer = new TensorFileWriter(path, layoutOfModel(model.preprocessing));
    writer.append(values, table.rows.length);
    writer.close();
    try {
      const predicted = await backend.predict({ modelDir: model.modelDir, format: model.format, input: TensorFile.open(path), batchSize: 1024, events: new RunEvents(), signal: new AbortController().signal });
      return table.rows.map((_, r) => Object.fromEntries(outputs.map((c, j) => [c, predicted[r * outputs.length + j]!])));
    } finally {
      rmSync(path, { force: true });
      rmSync(`${path}.json`, { force: true });
    }
  };

  return createServer((req, res) => {
    const started = Date.now();
    const path = (req.url ?? '/').split('?')[0];
    const done = (status: number, body: unknown) => {
      send(res, status, body);
      options.onRequest?.(`${req.method} ${path} ${status} ${Date.now() - started}ms`);
    };
    const fail = (error: unknown) => {
      if (error instanceof RequestError) return done(error.status, error.body());
      done(500, { error_code: 'INTERNAL_ERROR', message: `prd could not score the request: ${(error as Error).message}` });
    };
    if (req.method === 'GET' && (path === '/ping' || path === '/health')) return done(200, 'OK\n');
    if (req.method === 'GET' && path === '/version') return done(200, `${options.version}\n`);
    if (req.method === 'GET' && path === '/metadata') return done(200, metadata);
    if (path !== '/invocations') return fail(new RequestError(404, `no endpoint ${path}; POST rows to /invocations (GET /metadata lists the input columns)`));
    if (req.method !== 'POST') return fail(new RequestError(405, "use POST for /invocations"));
    readBody(req, options.maxBodyBytes)
      .then(async (text) => {
        const table = await tableOf(req, text);
        const job = queue.then(() => score(table));
        queue = job.catch(() => undefined);
        done(200, { predictions: await job });
      })
      .catch(fail);
  });
}
