import { secrets } from '@prd/core';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { RequestError, type Got, type Method, type RetryObject } from 'got';
import type { MlflowConnection } from './config.js';

/** How hard one request tries. A run uses a short policy (never slow training); `prd sync` a patient one. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff; doubles per retry, with up to 50% jitter. */
  baseDelayMs: number;
  /** Longest single wait, also the longest Retry-After honoured (longer ones give up at once). */
  maxDelayMs: number;
  /** Timeout of one attempt. */
  timeoutMs: number;
}

/** Statuses MLflow's own client treats as transient. */
export const TRANSIENT_STATUSES = [408, 429, 500, 502, 503, 504];
/** Network errors after which a request may be retried. */
const NETWORK_ERRORS = ['ETIMEDOUT', 'ECONNRESET', 'EADDRINUSE', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH'];
/** Failures where the server certainly did not apply the request, so even an appending call can be repeated. */
const NOT_APPLIED_STATUSES = [429, 503];
const NOT_APPLIED_ERRORS = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'];

/** A failed MLflow call, with the credentials already redacted from its message. */
export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  constructor(
    message: string,
    /** HTTP status, when the server answered. */
    readonly status: number | undefined,
    /** MLflow's `error_code` (`RESOURCE_DOES_NOT_EXIST`, ...), when the server sent one. */
    readonly errorCode: string | undefined,
    /** True when the request may have been applied although it failed (timeouts, resets, 5xx). */
    readonly ambiguous: boolean,
    /** The server could not be reached or kept failing: stop trying for now. */
    readonly unavailable: boolean,
  ) {
    super(secrets.redact(message));
  }
}

/** What one call sends. */
export interface CallOptions {
  json?: unknown;
  searchParams?: Record<string, string | number>;
  body?: Buffer;
  /**
   * Whether repeating the request is harmless. Appending calls (metrics, log-model, create) are only retried
   * when the server certainly did not apply them.
   */
  idempotent: boolean;
  /** Response body as raw bytes instead of JSON. */
  raw?: boolean;
  timeoutMs?: number;
}

/** Counts of what a client sent, for reports and measurements. */
export interface RequestStats {
  requests: number;
  retries: number;
  failures: number;
  byPath: Record<string, number>;
}

/** JSON-over-HTTP to one MLflow server, with MLflow's retry rules, Retry-After, auth, and redacted errors. */
export class MlflowHttp {
  private readonly got: Got;
  readonly stats: RequestStats = { requests: 0, retries: 0, failures: 0, byPath: {} };
  private readonly controller = new AbortController();

  constructor(readonly connection: MlflowConnection, public policy: RetryPolicy) {
    this.got = got.extend({
      prefixUrl: connection.baseUrl,
      headers: { 'user-agent': 'prd-tracker-mlflow', ...(connection.authorization ? { authorization: connection.authorization } : {}) },
      https: {
        rejectUnauthorized: !connection.insecureTls,
        ...(connection.caCertPath ? { certificateAuthority: readFileSync(connection.caCertPath) } : {}),
        // One PEM holding certificate and key, as MLflow's Python client (requests' `cert`) takes it.
        ...(connection.clientCertPath ? { certificate: readFileSync(connection.clientCertPath), key: readFileSync(connection.clientCertPath) } : {}),
      },
      // No idle connections: a server closes them after a few seconds (uvicorn: 5 s), and a request that reuses one
      // at that moment dies with "socket hang up" without knowing whether it was applied. A run sends little, so
      // a fresh connection per request costs nothing that matters.
      agent: { http: new HttpAgent({ keepAlive: false }), https: new HttpsAgent({ keepAlive: false }) },
      throwHttpErrors: false,
      signal: this.controller.signal,
      hooks: {
        beforeRequest: connection.tokenProvider ? [async (options) => void (options.headers.authorization = `Bearer ${await connection.tokenProvider!()}`)] : [],
        beforeRetry: [() => void this.stats.retries++],
      },
    });
  }

  /** Abort every request in flight and every later one (the end of a run ran out of time). */
  abort(): void {
    this.controller.abort();
  }

  /** Whether `abort` was called. */
  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  /** Call `path` (relative to the server root, such as `api/2.0/mlflow/runs/get`); returns the parsed JSON body. */
  async call<T>(method: Method, path: string, options: CallOptions): Promise<T> {
    const policy = this.policy;
    const retryable = options.idempotent;
    this.stats.requests++;
    const endpoint = `${method} ${path.replace(/^api\/2\.0\/mlflow(-artifacts)?\//, '').replace(/^artifacts\/.+/, 'artifacts/<file>')}`;
    this.stats.byPath[endpoint] = (this.stats.byPath[endpoint] ?? 0) + 1;
    let response;
    try {
      response = await this.got(path, {
        method,
        json: options.json,
        body: options.body,
        searchParams: options.searchParams,
        headers: options.body ? { 'content-type': 'application/octet-stream' } : undefined,
        responseType: 'buffer',
        timeout: { request: options.timeoutMs ?? policy.timeoutMs },
        retry: {
          limit: policy.retries,
          methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
          statusCodes: retryable ? TRANSIENT_STATUSES : NOT_APPLIED_STATUSES,
          errorCodes: retryable ? NETWORK_ERRORS : NOT_APPLIED_ERRORS,
          maxRetryAfter: policy.maxDelayMs,
          calculateDelay: (r) => retryDelay(r, policy),
        },
      });
    } catch (error) {
      this.stats.failures++;
      throw networkError(error, method, path);
    }
    const text = response.body.toString('utf8');
    if (response.statusCode >= 400) {
      this.stats.failures++;
      throw httpError(response.statusCode, text, method, path);
    }
    if (options.raw) return response.body as unknown as T;
    return (text.trim() === '' ? {} : JSON.parse(text)) as T;
  }
}

/** Backoff like MLflow's client (doubling, jittered), or the server's Retry-After when it sent one. */
export function retryDelay(r: Pick<RetryObject, 'attemptCount' | 'computedValue' | 'retryAfter'>, policy: RetryPolicy): number {
  // got computed 0 when the rules forbid another attempt (limit, status, error code, or a Retry-After too long).
  if (r.computedValue === 0) return 0;
  if (r.retryAfter !== undefined && r.retryAfter > 0) return Math.min(r.retryAfter, policy.maxDelayMs);
  const base = Math.min(policy.baseDelayMs * 2 ** (r.attemptCount - 1), policy.maxDelayMs);
  return Math.round(base * (1 + Math.random() * 0.5));
}

function networkError(error: unknown, method: string, path: string): MlflowError {
  const code = error instanceof RequestError ? error.code : undefined;
  const status = error instanceof RequestError ? error.response?.statusCode : undefined;
  const refused = code !== undefined && NOT_APPLIED_ERRORS.includes(code);
  const message = error instanceof Error ? error.message : String(error);
  const aborted = code === 'ERR_ABORTED' || (error instanceof Error && error.name === 'AbortError');
  return new MlflowError(`${method} ${path}: ${aborted ? 'aborted (out of time)' : message}`, status, code, !refused, true);
}

function httpError(status: number, text: string, method: string, path: string): MlflowError {
  let code: string | undefined;
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { error_code?: string; message?: string };
    code = parsed.error_code;
    if (parsed.message) message = parsed.message;
  } catch {
    // not JSON: a proxy's error page, keep the text
  }
  const transient = TRANSIENT_STATUSES.includes(status);
  const applied = transient && !NOT_APPLIED_STATUSES.includes(status);
  return new MlflowError(`${method} ${path}: HTTP ${status}${code ? ` ${code}` : ''}: ${message}`, status, code, applied, transient || status === 401 || status === 403);
}
