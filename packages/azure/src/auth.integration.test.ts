import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startControlPlane, type ControlPlane, type IdentityKind } from '@prd/testing';
import { afterEach, describe, expect, it } from 'vitest';

const PACKAGE = resolve(import.meta.dirname, '..');

/** Every variable DefaultAzureCredential reads: the node's process has only the ones a test gives it. */
const CREDENTIAL_VARIABLES = [
  'AZURE_TOKEN_CREDENTIALS', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_AUTHORITY_HOST',
  'MSI_ENDPOINT', 'MSI_SECRET', 'DEFAULT_IDENTITY_CLIENT_ID', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IMDS_ENDPOINT',
];

/**
 * What a process on the node does: AzureAuth over DefaultAzureCredential opens the workspace through ARM, takes the
 * token again (cached), and redacts a line holding the token and the endpoint's secret. A process of its own, as a
 * node's is: msal-node keeps managed identity tokens in a cache shared by the whole process.
 */
const NODE = `
import { ArmClient, AzureAuth, resolveWorkspace } from '${join(PACKAGE, 'dist', 'index.js')}';
import { secrets } from '@prd/core';
const auth = new AzureAuth();
const ws = resolveWorkspace({}, {});
const opened = await new ArmClient(ws, auth).call('GET', '', { what: 'open workspace "' + ws.workspace + '"' });
const token = await auth.token();
const secret = process.env.MSI_SECRET ?? process.env.IDENTITY_HEADER;
console.log(JSON.stringify({ workspace: opened.name, redacted: secrets.redact('Authorization: Bearer ' + token + '; secret: ' + secret) }));
`;

describe('AzureAuth with DefaultAzureCredential on a node with a managed identity (control plane)', () => {
  let plane: ControlPlane | undefined;
  afterEach(async () => {
    await plane?.close();
    plane = undefined;
  });

  const cases: Array<[IdentityKind, string]> = [
    ['azureml', 'MSI_ENDPOINT and MSI_SECRET (AzureML compute)'],
    ['app-service', 'IDENTITY_ENDPOINT and IDENTITY_HEADER (App Service, newer hosts)'],
  ];
  it.each(cases)('%s: gets a token from %s that the workspace accepts, and keeps it and the secret out of every text', async (kind) => {
    plane = await startControlPlane();
    const env: Record<string, string | undefined> = { ...process.env };
    for (const key of CREDENTIAL_VARIABLES) delete env[key];
    // No az on the PATH: the token can only come from the managed identity endpoint.
    Object.assign(env, plane.identityEnv(kind), { PATH: '/usr/bin:/bin' });
    // Not spawnSync: the control plane answers from this process.
    const child = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', NODE], { cwd: PACKAGE, env });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d));
      p.stderr.on('data', (d: Buffer) => (stderr += d));
      p.on('close', (status) => done({ status, stdout, stderr }));
    });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ workspace: plane.workspace, redacted: 'Authorization: Bearer ***; secret: ***' });
    // One token, from the endpoint, for ARM; the second use came from the cache.
    expect(plane.identity.requests).toEqual([{ kind, resource: 'https://management.azure.com', status: 200 }]);
    expect(plane.tokensIssued).toBe(1);
  });
});
