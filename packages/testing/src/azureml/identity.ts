import type { IncomingHttpHeaders } from 'node:http';

/** The two managed identity endpoints a job may see: AzureML compute's, and App Service's (also newer hosts). */
export type IdentityKind = 'azureml' | 'app-service';

/** One token request a managed identity endpoint answered. */
export interface IdentityRequest {
  kind: IdentityKind;
  resource: string;
  status: number;
}

/** Paths, api-versions and secret headers of the endpoints, as msal-node's MachineLearning and AppService sources call them. */
const ENDPOINTS: Record<IdentityKind, { path: string; apiVersion: string; secretHeader: string; env: [string, string] }> = {
  azureml: { path: '/_test/msi/token', apiVersion: '2017-09-01', secretHeader: 'secret', env: ['MSI_ENDPOINT', 'MSI_SECRET'] },
  'app-service': { path: '/_test/identity/token', apiVersion: '2019-08-01', secretHeader: 'x-identity-header', env: ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER'] },
};

/** The resources (v1 audiences) the workspace's identity may ask tokens for. */
const RESOURCES = ['https://management.azure.com', 'https://storage.azure.com'];

/**
 * Managed identity endpoints of a test workspace: the variables a node gets (`MSI_ENDPOINT` + `MSI_SECRET` +
 * `DEFAULT_IDENTITY_CLIENT_ID` on AzureML compute; `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` on App Service), and
 * the answers to their token requests, which check the secret header, api-version, resource and client id.
 */
export class IdentityEndpoints {
  readonly requests: IdentityRequest[] = [];
  private readonly secret: string;
  readonly clientId = '22222222-0000-4000-8000-00000000c11d';

  constructor(secret: string) {
    this.secret = secret;
  }

  /** The variables a process on a node with this identity has. */
  env(kind: IdentityKind, baseUrl: string): Record<string, string> {
    const e = ENDPOINTS[kind];
    return { [e.env[0]]: `${baseUrl}${e.path}`, [e.env[1]]: this.secret, ...(kind === 'azureml' ? { DEFAULT_IDENTITY_CLIENT_ID: this.clientId } : {}) };
  }

  /** The answer to a request on one of the endpoints' paths, or undefined for any other path. */
  answer(method: string, url: URL, headers: IncomingHttpHeaders, issue: () => { token: string; expiresOn: number }): { status: number; body: unknown } | undefined {
    const kind = (Object.keys(ENDPOINTS) as IdentityKind[]).find((k) => ENDPOINTS[k].path === url.pathname);
    if (!kind) return undefined;
    const e = ENDPOINTS[kind];
    const resource = url.searchParams.get('resource') ?? '';
    const problem =
      method !== 'GET' ? `method ${method}` :
      headers[e.secretHeader] !== this.secret ? `a missing or wrong ${e.secretHeader} header` :
      url.searchParams.get('api-version') !== e.apiVersion ? `api-version ${url.searchParams.get('api-version')} (expected ${e.apiVersion})` :
      !RESOURCES.includes(resource) ? `resource "${resource}"` :
      kind === 'azureml' && url.searchParams.get('clientid') !== this.clientId ? `clientid "${url.searchParams.get('clientid')}"` :
      undefined;
    if (problem) {
      this.requests.push({ kind, resource, status: 400 });
      return { status: 400, body: { error: 'invalid_request', error_description: `managed identity endpoint: ${problem}` } };
    }
    const { token, expiresOn } = issue();
    this.requests.push({ kind, resource, status: 200 });
    return { status: 200, body: { access_token: token, expires_on: String(expiresOn), resource, token_type: 'Bearer', client_id: this.clientId } };
  }
}
