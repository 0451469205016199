import { describeConformance, startControlPlane, type ControlPlane } from '@prd/testing';
import { afterAll, beforeAll } from 'vitest';
import plugins from './index.js';
import { mlflowTestEnv } from './test/env.js';

// Creating the mlflow tracker does not connect: the address only has to be given. Creating the azureml tracker reads
// the workspace's MLflow endpoint, so it talks to the AzureML test control plane on loopback (never to Azure, and
// never to the cloud's instance-metadata address that DefaultAzureCredential would otherwise try).
let plane: ControlPlane | undefined;
const saved = { ...process.env };
beforeAll(async () => {
  plane = await startControlPlane({ mlflowUri: mlflowTestEnv()?.uri ?? 'http://127.0.0.1:9' });
  Object.assign(process.env, plane.env());
});
afterAll(async () => {
  process.env = saved;
  await plane?.close();
});

describeConformance(plugins, { options: { mlflow: { uri: 'http://127.0.0.1:5000' } } });
