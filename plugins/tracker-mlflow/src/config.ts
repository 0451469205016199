import { existsSync } from 'node:fs';
import { ARM_SCOPE, AzureAuth, mlflowBaseUrl, RunTokenCredential } from '@prd/azure';
import { PrdError, secrets, urlSecrets } from '@prd/core';
import { Type, type Static } from '@sinclair/typebox';

/** The `with` options of the `mlflow` tracker. Unset connection options fall back to MLflow's own environment variables. */
export const MlflowOptions = Type.Object(
  {
    uri: Type.Optional(Type.String({ description: 'Tracking server, http(s)://host:port[/prefix]; default $MLFLOW_TRACKING_URI' })),
    experiment: Type.Optional(Type.String({ description: 'Experiment name; default $MLFLOW_EXPERIMENT_NAME, else the recipe name', maxLength: 500 })),
    token: Type.Optional(Type.String({ secret: true, description: 'Bearer token; default $MLFLOW_TRACKING_TOKEN. Write "${env:NAME}", never the token itself' })),
    username: Type.Optional(Type.String({ description: 'HTTP basic user; default $MLFLOW_TRACKING_USERNAME' })),
    password: Type.Optional(Type.String({ secret: true, description: 'HTTP basic password; default $MLFLOW_TRACKING_PASSWORD. Write "${env:NAME}"' })),
    insecureTls: Type.Optional(Type.Boolean({ description: 'Skip TLS certificate checks; default $MLFLOW_TRACKING_INSECURE_TLS' })),
    registerAs: Type.Optional(Type.String({ description: 'Register the trained model under this name in the model registry', minLength: 1 })),
    alias: Type.Optional(Type.String({ description: 'Alias for the registered version, such as "champion" (needs registerAs)', pattern: '^[\\w\\-]{1,255}$' })),
    artifacts: Type.Boolean({ default: true, description: 'Upload the run directory (plots, report, model) as run artifacts' }),
    exclude: Type.Array(Type.String(), { default: [], description: 'Run-directory paths (files or folders) not to upload, such as "checkpoints"' }),
    timeoutMs: Type.Integer({ minimum: 100, default: 15_000, description: 'Timeout of one HTTP request (artifact uploads get more per MB)' }),
    retries: Type.Integer({ minimum: 0, maximum: 10, default: 2, description: 'Retries of one request during a run (prd sync uses at least 6)' }),
    drainTimeoutMs: Type.Integer({ minimum: 0, default: 60_000, description: 'How long the end of a run waits for unsent data before leaving it to prd sync' }),
  },
  { additionalProperties: false },
);
/** Options as validated from the recipe. */
export type MlflowOptions = Static<typeof MlflowOptions>;

/** Connection settings after options and environment are combined. */
export interface MlflowConnection {
  /** Tracking server base URL without credentials and without a trailing slash. */
  baseUrl: string;
  /** Value of the Authorization header, if any. */
  authorization?: string;
  /** A bearer token per request (AzureML: Azure AD tokens that expire); wins over `authorization`. */
  tokenProvider?: () => Promise<string>;
  insecureTls: boolean;
  /** CA bundle to trust for the server (MLFLOW_TRACKING_SERVER_CERT_PATH). */
  caCertPath?: string;
  /** PEM with the client certificate and key (MLFLOW_TRACKING_CLIENT_CERT_PATH). */
  clientCertPath?: string;
  experiment?: string;
}

const RESERVED_ALIAS = /^(latest|v\d+)$/i;

/**
 * Combine recipe options with MLflow's environment variables (recipe wins), validate them, and register every
 * credential with `secrets` so it never reaches logs, files or error messages.
 */
export function resolveConnection(options: Partial<MlflowOptions>, env: NodeJS.ProcessEnv = process.env, pointer = ''): MlflowConnection {
  const where = pointer ? `${pointer}/with` : 'the mlflow tracker';
  const raw = options.uri ?? env.MLFLOW_TRACKING_URI;
  if (!raw) {
    throw PrdError.of({ pointer: pointer ? `${pointer}/with/uri` : undefined, message: `no MLflow tracking server: set "uri" in ${where}, or export MLFLOW_TRACKING_URI=http://host:5000` });
  }
  // A password or token inside the URI (`user:pass@`, `?token=`) is a credential wherever the URI came from.
  for (const secret of urlSecrets(raw)) secrets.add(secret);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw PrdError.of({ pointer: pointer ? `${pointer}/with/uri` : undefined, message: `"${secrets.redact(raw)}" is not a URL; write http(s)://host:port` });
  }
  if (url.protocol === 'azureml:') {
    // The workspace's MLflow endpoint: HTTPS with an Azure AD token per request (az login, service principal, ...).
    // Inside an AzureML job, the job's own tracking URI takes the run token AzureML gives the job.
    const runToken = raw === env.MLFLOW_TRACKING_URI ? env.AZUREML_RUN_TOKEN : undefined;
    const auth = new AzureAuth(runToken ? new RunTokenCredential(runToken, env.AZUREML_RUN_TOKEN_EXPIRY) : undefined);
    return { ...resolveConnection({ ...options, uri: mlflowBaseUrl(raw, env) }, env, pointer), tokenProvider: () => auth.token(ARM_SCOPE) };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw PrdError.of({
      pointer: pointer ? `${pointer}/with/uri` : undefined,
      message: `${url.protocol} tracking URIs have no REST API; start a server (mlflow server --backend-store-uri ${raw}) and use its http:// address`,
    });
  }
  let username = options.username ?? env.MLFLOW_TRACKING_USERNAME;
  let password = options.password ?? env.MLFLOW_TRACKING_PASSWORD;
  if (url.username || url.password) {
    username ??= decodeURIComponent(url.username);
    password ??= decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
  }
  const token = options.token ?? env.MLFLOW_TRACKING_TOKEN;
  for (const value of [username && password ? password : undefined, token]) secrets.add(value);
  let authorization: string | undefined;
  // As in MLflow's Python client, basic auth wins when both are set.
  if (username && password) {
    authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  } else if (username || password) {
    throw PrdError.of({ message: `MLflow basic auth needs both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or "username" and "password" in ${where})` });
  } else if (token) {
    authorization = `Bearer ${token}`;
  }
  if (authorization) secrets.add(authorization);
  if (options.alias !== undefined) {
    if (!options.registerAs) throw PrdError.of({ pointer: pointer ? `${pointer}/with/alias` : undefined, message: '"alias" needs "registerAs" (the registered model the alias points into)' });
    if (RESERVED_ALIAS.test(options.alias)) {
      throw PrdError.of({ pointer: pointer ? `${pointer}/with/alias` : undefined, message: `alias "${options.alias}" is reserved by MLflow ("latest" and v<number>); pick another, such as "champion"` });
    }
  }
  const insecure = options.insecureTls ?? /^(1|true)$/i.test(env.MLFLOW_TRACKING_INSECURE_TLS ?? '');
  const caCertPath = env.MLFLOW_TRACKING_SERVER_CERT_PATH || undefined;
  const clientCertPath = env.MLFLOW_TRACKING_CLIENT_CERT_PATH || undefined;
  if (insecure && caCertPath) throw PrdError.of({ message: 'MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH contradict each other; unset one' });
  for (const [name, path] of [['MLFLOW_TRACKING_SERVER_CERT_PATH', caCertPath], ['MLFLOW_TRACKING_CLIENT_CERT_PATH', clientCertPath]]) {
    if (path && !existsSync(path)) throw PrdError.of({ message: `${name} names ${path}, which does not exist` });
  }
  return {
    baseUrl: url.toString().replace(/\/+$/, ''),
    authorization,
    insecureTls: insecure,
    ...(caCertPath ? { caCertPath } : {}),
    ...(clientCertPath ? { clientCertPath } : {}),
    experiment: options.experiment ?? (env.MLFLOW_EXPERIMENT_NAME || undefined),
  };
}
