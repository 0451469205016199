import type { AccessToken, TokenCredential } from '@azure/identity';
import type { Workspace } from './workspace.js';

/**
 * What AzureML hands a process that runs inside one of its jobs: the workspace's MLflow tracking URI, the job's own
 * MLflow run, and the run token that this run may use against the workspace's MLflow endpoint.
 */
export interface AzureMlJobContext {
  /** `azureml://<region>.api.azureml.ms/mlflow/v1.0/subscriptions/...` ($MLFLOW_TRACKING_URI). */
  trackingUri: string;
  /** The job's MLflow run ($MLFLOW_RUN_ID): metrics logged there show on the job's page in studio. */
  runId?: string;
  /** The run token ($AZUREML_RUN_TOKEN, until $AZUREML_RUN_TOKEN_EXPIRY) as a credential. */
  credential: TokenCredential;
}

/**
 * The AzureML job this process runs in, if any, and only if that job belongs to `ws`: a recipe that tracks to
 * another workspace than the one running it needs that workspace's own credentials.
 */
export function azureMlJobContext(ws: Workspace, env: NodeJS.ProcessEnv = process.env): AzureMlJobContext | undefined {
  const token = env.AZUREML_RUN_TOKEN;
  const trackingUri = env.MLFLOW_TRACKING_URI;
  if (!token || !trackingUri?.startsWith('azureml://')) return undefined;
  const same =
    env.AZUREML_ARM_WORKSPACE_NAME === ws.workspace &&
    env.AZUREML_ARM_SUBSCRIPTION?.toLowerCase() === ws.subscriptionId.toLowerCase() &&
    env.AZUREML_ARM_RESOURCEGROUP?.toLowerCase() === ws.resourceGroup.toLowerCase();
  if (!same) return undefined;
  return { trackingUri, runId: env.MLFLOW_RUN_ID || undefined, credential: new RunTokenCredential(token, env.AZUREML_RUN_TOKEN_EXPIRY) };
}

/** AzureML's run token as a `TokenCredential`: it cannot be renewed from inside the job, so expiry is an error. */
export class RunTokenCredential implements TokenCredential {
  private readonly expiresOnTimestamp: number;

  constructor(
    private readonly token: string,
    expiry?: string,
  ) {
    // AZUREML_RUN_TOKEN_EXPIRY is in seconds since the epoch; without it, trust the token for the job's lifetime.
    const seconds = Number(expiry);
    this.expiresOnTimestamp = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Number.MAX_SAFE_INTEGER;
  }

  async getToken(): Promise<AccessToken> {
    if (this.expiresOnTimestamp <= Date.now()) {
      throw new Error(`the AzureML run token of this job expired at ${new Date(this.expiresOnTimestamp).toISOString()}; AzureML issues it for the job's lifetime, so the job outlived it: re-submit the run`);
    }
    return { token: this.token, expiresOnTimestamp: this.expiresOnTimestamp };
  }
}
