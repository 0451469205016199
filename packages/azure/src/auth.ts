import { DefaultAzureCredential, type AccessToken, type TokenCredential } from '@azure/identity';
import { PrdError, secrets } from '@prd/core';

/** The Azure Resource Manager audience: ARM and the workspace's MLflow endpoint both accept its tokens. */
export const ARM_SCOPE = 'https://management.azure.com/.default';
/** Azure Storage's audience, for blob access with Azure AD. */
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';

/**
 * Variables that hold what DefaultAzureCredential signs in with: a service principal's secret or certificate password,
 * and the secret header of a managed identity endpoint (AzureML compute: MSI_SECRET; App Service and newer hosts:
 * IDENTITY_HEADER).
 */
const CREDENTIAL_SECRETS = ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD', 'MSI_SECRET', 'IDENTITY_HEADER'];

/** A token is renewed this long before it expires, so no request carries one that runs out on the way. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Azure AD tokens per scope through one `TokenCredential` (by default `DefaultAzureCredential`: environment,
 * workload identity, managed identity, Azure CLI, ...). A token is cached until shortly before it expires; every
 * token is registered with `secrets`, so it never reaches a log, file, tracker or error.
 */
export class AzureAuth {
  private readonly cache = new Map<string, AccessToken>();
  private readonly pending = new Map<string, Promise<AccessToken>>();

  constructor(
    readonly credential: TokenCredential = new DefaultAzureCredential(),
    private readonly marginMs = REFRESH_MARGIN_MS,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    // What the credentials sign in with is as secret as the tokens they get.
    for (const name of CREDENTIAL_SECRETS) secrets.add(env[name]);
  }

  /** A bearer token for `scope`, from the cache unless it expires within the margin. */
  async token(scope: string = ARM_SCOPE): Promise<string> {
    const cached = this.cache.get(scope);
    if (cached && cached.expiresOnTimestamp - this.marginMs > Date.now()) return cached.token;
    let pending = this.pending.get(scope);
    if (!pending) {
      pending = this.fetch(scope).finally(() => this.pending.delete(scope));
      this.pending.set(scope, pending);
    }
    return (await pending).token;
  }

  /** Forget the cached token of a scope (the service said it expired or was revoked). */
  invalidate(scope: string = ARM_SCOPE): void {
    this.cache.delete(scope);
  }

  private async fetch(scope: string): Promise<AccessToken> {
    let token: AccessToken | null;
    try {
      token = await this.credential.getToken(scope);
    } catch (error) {
      const why = secrets.redact(error instanceof Error ? error.message : String(error)).split('\n').slice(0, 6).join(' ');
      throw new PrdError(
        `could not get an Azure AD token for ${scope}: ${why}. Sign in with "az login", or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal (docs/azureml.md)`,
        [],
        { cause: error },
      );
    }
    if (!token) throw new PrdError(`no Azure credential returned a token for ${scope}; sign in with "az login" (docs/azureml.md)`);
    secrets.add(token.token);
    this.cache.set(scope, token);
    return token;
  }
}
