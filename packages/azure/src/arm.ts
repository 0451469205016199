import { PrdError, secrets } from '@prd/core';
import got, { RequestError, type Got, type Method } from 'got';
import { ARM_SCOPE, type AzureAuth } from './auth.js';
import { workspaceId, type Workspace } from './workspace.js';

/**
 * The one api-version of every AzureML request: the version the official Python SDK (azure-ai-ml 1.35) sends and
 * whose REST models the tests check bodies against.
 */
export const API_VERSION = '2025-12-01';

/** Statuses after which a request is tried again (ARM's transient ones). */
const TRANSIENT = [408, 429, 500, 502, 503, 504];
const NETWORK_ERRORS = ['ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH'];

/** How patient the client is. */
export interface ArmRetryPolicy {
  retries: number;
  baseDelayMs: number;
  /** Longest wait, also the longest Retry-After honoured. */
  maxDelayMs: number;
  timeoutMs: number;
}

const DEFAULT_POLICY: ArmRetryPolicy = { retries: 5, baseDelayMs: 1_000, maxDelayMs: 60_000, timeoutMs: 60_000 };

/** An ARM error answer (`{"error": {"code", "message"}}`) as a PrdError that says what to change. */
export class ArmError extends PrdError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
  ) {
    super(secrets.redact(message), [], { exitCode: 2 });
  }
}

/** What one request sends. */
export interface ArmCall {
  json?: unknown;
  searchParams?: Record<string, string | number | boolean>;
  /** What the request does, for messages ("create the job prd-abc"). */
  what: string;
}

/** Counts, for tests and measurements. */
export interface ArmStats {
  requests: number;
  retries: number;
  byRoute: Record<string, number>;
}

/**
 * JSON over HTTPS to one AzureML workspace through ARM: a bearer token per request (refreshed before it expires, and
 * once more when the service says it expired), one pinned api-version, retries of 429/5xx honouring Retry-After, and
 * ARM error bodies turned into messages that say what to change.
 */
export class ArmClient {
  readonly base: string;
  readonly stats: ArmStats = { requests: 0, retries: 0, byRoute: {} };
  private readonly got: Got;

  constructor(
    readonly workspace: Workspace,
    readonly auth: AzureAuth,
    readonly policy: ArmRetryPolicy = DEFAULT_POLICY,
  ) {
    this.base = `${workspace.armEndpoint}${workspaceId(workspace)}`;
    this.got = got.extend({
      headers: { 'user-agent': 'prd-azureml' },
      throwHttpErrors: false,
      responseType: 'text',
      hooks: {
        // Runs before every attempt, retries included: a retry after a long Retry-After gets a fresh token.
        beforeRequest: [async (options) => void (options.headers.authorization = `Bearer ${await auth.token(ARM_SCOPE)}`)],
        beforeRetry: [() => void this.stats.retries++],
      },
    });
  }

  /** Call `path` relative to the workspace (`jobs/x`), or absolute (`https://...`, a nextLink); returns the JSON body. */
  async call<T>(method: Method, path: string, call: ArmCall): Promise<T> {
    const url = /^https?:\/\//.test(path) ? path : `${this.base}${path ? `/${path}` : ''}`;
    const route = `${method} ${path.replace(/\/(versions|jobs|datastores|codes|environments|data|models)\/[^/?]+/g, '/$1/*')}`;
    this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      let response;
      try {
        response = await this.got(url, {
          method,
          json: call.json,
          searchParams: /[?&]api-version=/.test(url) ? call.searchParams : { 'api-version': API_VERSION, ...call.searchParams },
          timeout: { request: this.policy.timeoutMs },
          retry: {
            limit: this.policy.retries,
            methods: ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'],
            statusCodes: TRANSIENT,
            errorCodes: NETWORK_ERRORS,
            maxRetryAfter: this.policy.maxDelayMs,
            calculateDelay: ({ attemptCount, computedValue, retryAfter }) => {
              if (computedValue === 0) return 0;
              if (retryAfter !== undefined && retryAfter > 0) return Math.min(retryAfter, this.policy.maxDelayMs);
              return Math.min(this.policy.baseDelayMs * 2 ** (attemptCount - 1), this.policy.maxDelayMs) * (1 + Math.random() * 0.25);
            },
          },
        });
      } catch (error) {
        const code = error instanceof RequestError ? error.code : undefined;
        throw new ArmError(`could not ${call.what}: ${code ?? ''} ${(error as Error).message} (AzureML at ${this.workspace.armEndpoint}); check the network and try again`, undefined, code);
      }
      if (response.statusCode === 401 && attempt === 0) {
        // The token expired or was revoked between our check and the service's: get a new one, once.
        this.auth.invalidate(ARM_SCOPE);
        continue;
      }
      if (response.statusCode >= 400) throw this.error(response.statusCode, response.body, call.what);
      return (response.body.trim() === '' ? {} : JSON.parse(response.body)) as T;
    }
  }

  /** GET that answers undefined on 404 (a version that does not exist yet). */
  async find<T>(path: string, what: string): Promise<T | undefined> {
    try {
      return await this.call<T>('GET', path, { what });
    } catch (error) {
      if (error instanceof ArmError && error.status === 404 && !/^(Workspace|ResourceGroup|Subscription)NotFound$|^ResourceNotFound$/.test(error.code ?? '')) return undefined;
      throw error;
    }
  }

  /** Every item of a paged list (`{value, nextLink}`), following nextLink as it is. */
  async list<T>(path: string, what: string, searchParams?: Record<string, string | number | boolean>): Promise<T[]> {
    const out: T[] = [];
    let page = await this.call<{ value?: T[]; nextLink?: string }>('GET', path, { what, searchParams });
    out.push(...(page.value ?? []));
    while (page.nextLink) {
      page = await this.call<{ value?: T[]; nextLink?: string }>('GET', page.nextLink, { what });
      out.push(...(page.value ?? []));
    }
    return out;
  }

  private error(status: number, text: string, what: string): ArmError {
    let code: string | undefined;
    let message = text.slice(0, 400);
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code = parsed.error?.code;
      if (parsed.error?.message) message = parsed.error.message;
    } catch {
      // not JSON: a gateway's page; keep its start
    }
    const ws = this.workspace;
    const head = `could not ${what}: HTTP ${status}${code ? ` ${code}` : ''}: ${message}`;
    if (status === 401) return new ArmError(`${head}. Azure AD refused the token: sign in again (az login) or check the service principal's secret`, status, code);
    if (status === 403) {
      return new ArmError(
        `${head}. The signed-in identity lacks a role on workspace "${ws.workspace}": ask an owner for "AzureML Data Scientist" on the workspace (docs/azureml.md, "Permissions")`,
        status,
        code,
      );
    }
    if (status === 404 && /^(Workspace|ResourceGroup|Subscription)NotFound$|^ResourceNotFound$/.test(code ?? '')) {
      return new ArmError(
        `${head}. No workspace "${ws.workspace}" in resource group "${ws.resourceGroup}" of subscription ${ws.subscriptionId} (from ${ws.origin}): check the names (az ml workspace list -g ${ws.resourceGroup})`,
        status,
        code,
      );
    }
    return new ArmError(head, status, code);
  }
}
