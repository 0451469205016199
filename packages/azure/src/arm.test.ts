import type { AccessToken, TokenCredential } from '@azure/identity';
import { startTestServer } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import { ArmClient } from './arm.js';
import { AzureAuth } from './auth.js';

/** A credential that counts its calls and hands out tokens living `lifetimeMs`. */
function counting(lifetimeMs: number): TokenCredential & { calls: number } {
  const c = {
    calls: 0,
    async getToken(): Promise<AccessToken> {
      c.calls++;
      return { token: `token-number-${c.calls}`, expiresOnTimestamp: Date.now() + lifetimeMs };
    },
  };
  return c;
}

const ws = (armEndpoint: string) => ({ subscriptionId: 's', resourceGroup: 'rg', workspace: 'ws', armEndpoint, origin: 'test' });
const fast = { retries: 3, baseDelayMs: 10, maxDelayMs: 2_000, timeoutMs: 5_000 };

describe('AzureAuth', () => {
  it('caches a token until it is within the margin of expiry, then gets a new one', async () => {
    const long = counting(3_600_000);
    const auth = new AzureAuth(long, 60_000);
    expect(await auth.token()).toBe(await auth.token());
    expect(long.calls).toBe(1);
    const short = counting(30_000);
    const soon = new AzureAuth(short, 60_000);
    await soon.token();
    await soon.token();
    expect(short.calls).toBe(2);
  });
});

describe('ArmClient', () => {
  it('retries 429 after Retry-After and 503, with the pinned api-version and a bearer token', async () => {
    let n = 0;
    const server = await startTestServer(() => {
      n++;
      if (n === 1) return { status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } };
      if (n === 2) return { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'busy' } } };
      return { status: 200, body: { ok: true } };
    });
    try {
      const started = Date.now();
      const arm = new ArmClient(ws(server.url), new AzureAuth(counting(3_600_000)), fast);
      expect(await arm.call('GET', 'jobs/a', { what: 'read job a' })).toEqual({ ok: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(server.requests).toHaveLength(3);
      expect(server.requests[2].url).toContain('/workspaces/ws/jobs/a?api-version=2025-12-01');
      expect(server.requests[2].headers.authorization).toBe('Bearer token-number-1');
    } finally {
      await server.close();
    }
  });

  it('gets a new token once when the service says the token expired', async () => {
    const server = await startTestServer((r) =>
      r.headers.authorization === 'Bearer token-number-1' ? { status: 401, body: { error: { code: 'ExpiredAuthenticationToken', message: 'expired' } } } : { status: 200, body: {} },
    );
    try {
      const credential = counting(3_600_000);
      await new ArmClient(ws(server.url), new AzureAuth(credential), fast).call('GET', '', { what: 'open workspace' });
      expect(credential.calls).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('turns 403 and an unknown workspace into messages that say what to fix', async () => {
    const server = await startTestServer((r) =>
      r.url.includes('/jobs')
        ? { status: 403, body: { error: { code: 'AuthorizationFailed', message: 'no authorization to perform action' } } }
        : { status: 404, body: { error: { code: 'ResourceNotFound', message: "The Resource 'workspaces/ws' was not found." } } },
    );
    try {
      const arm = new ArmClient(ws(server.url), new AzureAuth(counting(3_600_000)), fast);
      await expect(arm.call('GET', 'jobs/x', { what: 'read job x' })).rejects.toThrow(/AzureML Data Scientist/);
      await expect(arm.call('GET', '', { what: 'open workspace "ws"' })).rejects.toThrow(/No workspace "ws" in resource group "rg" of subscription s \(from test\)/);
    } finally {
      await server.close();
    }
  });
});
