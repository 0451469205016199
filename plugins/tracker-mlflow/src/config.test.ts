import { isPrdError, secrets } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { resolveConnection } from './config.js';
import { parseModelUri } from './model.js';
import { retryDelay } from './http.js';

describe('resolveConnection', () => {
  it('reads MLflow environment variables and lets the recipe win', () => {
    const env = { MLFLOW_TRACKING_URI: 'http://mlflow.example:5000/', MLFLOW_EXPERIMENT_NAME: 'from-env', MLFLOW_TRACKING_TOKEN: 'tok-123456' };
    expect(resolveConnection({}, env)).toEqual({ baseUrl: 'http://mlflow.example:5000', authorization: 'Bearer tok-123456', insecureTls: false, experiment: 'from-env' });
    expect(resolveConnection({ uri: 'https://other/prefix', experiment: 'mine' }, env)).toMatchObject({ baseUrl: 'https://other/prefix', experiment: 'mine' });
  });

  it('prefers basic auth to a token, takes credentials out of the URL, and registers them as secrets', () => {
    const c = resolveConnection({ uri: 'http://alice:s3cr%40t-pw@host:5000' }, { MLFLOW_TRACKING_TOKEN: 'token-abcdef' });
    expect(c.baseUrl).toBe('http://host:5000');
    expect(c.authorization).toBe(`Basic ${Buffer.from('alice:s3cr@t-pw').toString('base64')}`);
    expect(secrets.redact('pw s3cr@t-pw and token-abcdef')).toBe('pw *** and ***');
    expect(secrets.leaks(c.authorization ?? '')).toBe(true);
  });

  it('says what to change for URIs without a REST API and for missing settings', () => {
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(isPrdError(error)).toBe(true);
        return (error as Error).message;
      }
      throw new Error('expected a PrdError');
    };
    expect(message(() => resolveConnection({}, {}, '/track/0'))).toMatch(/set "uri" in \/track\/0\/with, or export MLFLOW_TRACKING_URI/);
    expect(message(() => resolveConnection({ uri: 'sqlite:///mlflow.db' }, {}))).toMatch(/no REST API; start a server/);
    // D6 (issue 15): no "azureml" tracker plugin exists yet, so the message must not send the user to one.
    const azureml = message(() => resolveConnection({ uri: 'azureml://westeurope.api.azureml.ms/mlflow/v1.0/x' }, {}));
    expect(azureml).not.toMatch(/"use": ?"azureml"|"azureml" tracker/);
    expect(azureml).toMatch(/azureml:\/\/ tracking URIs need an AzureML sign-in that the mlflow tracker does not do/);
    expect(azureml).toMatch(/prd plugins/);
    expect(message(() => resolveConnection({ uri: 'http://h' }, { MLFLOW_TRACKING_USERNAME: 'bob' }))).toMatch(/needs both/);
    expect(message(() => resolveConnection({ uri: 'http://h', registerAs: 'm', alias: 'latest' }, {}))).toMatch(/reserved/);
    expect(message(() => resolveConnection({ uri: 'http://h', alias: 'champion' }, {}))).toMatch(/needs "registerAs"/);
  });
});

describe('parseModelUri', () => {
  it('understands runs:/ and models:/ URIs and nothing else', () => {
    expect(parseModelUri('runs:/0a1b2c/model')).toEqual({ kind: 'run', runId: '0a1b2c', path: 'model' });
    expect(parseModelUri('runs:/0a1b2c/outputs/model/')).toEqual({ kind: 'run', runId: '0a1b2c', path: 'outputs/model' });
    expect(parseModelUri('models:/precip@champion')).toEqual({ kind: 'alias', name: 'precip', alias: 'champion' });
    expect(parseModelUri('models:/precip/3')).toEqual({ kind: 'version', name: 'precip', version: '3' });
    for (const other of ['runs/abc/model', 'file:///tmp/model', 'azureml://x', 'models:/precip', '/tmp/model']) expect(parseModelUri(other)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  const policy = { retries: 3, baseDelayMs: 500, maxDelayMs: 5000, timeoutMs: 1000 };
  it('doubles from the base with jitter, honours Retry-After up to the cap, and stops when got says stop', () => {
    const third = retryDelay({ attemptCount: 3, computedValue: 4000 }, policy);
    expect(third).toBeGreaterThanOrEqual(2000);
    expect(third).toBeLessThanOrEqual(3000);
    expect(retryDelay({ attemptCount: 9, computedValue: 4000 }, policy)).toBeLessThanOrEqual(7500);
    expect(retryDelay({ attemptCount: 1, computedValue: 2000, retryAfter: 2000 }, policy)).toBe(2000);
    expect(retryDelay({ attemptCount: 1, computedValue: 0, retryAfter: 2000 }, policy)).toBe(0);
  });
});
