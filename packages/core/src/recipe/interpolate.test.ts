import { describe, expect, it } from 'vitest';
import { interpolateEnv } from './interpolate.js';
import { Secrets } from './secrets.js';

describe('interpolateEnv', () => {
  it('replaces ${env:NAME}, keeps placeholders for display and registers values as secrets', () => {
    const secrets = new Secrets();
    const recipe = { track: [{ use: 'mlflow', with: { uri: '${env:MLFLOW_URI}', token: 'Bearer ${env:TOKEN}' } }], train: { epochs: '${env:EPOCHS}' } };
    const out = interpolateEnv(recipe, new Map(), { MLFLOW_URI: 'http://127.0.0.1:5000', TOKEN: 's3cr3t-token', EPOCHS: '7' }, secrets);
    expect(out.issues).toEqual([]);
    expect(out.value).toEqual({ track: [{ use: 'mlflow', with: { uri: 'http://127.0.0.1:5000', token: 'Bearer s3cr3t-token' } }], train: { epochs: 7 } });
    expect(out.placeholders.get('/track/0/with/token')).toBe('Bearer ${env:TOKEN}');
    expect(secrets.redact('auth failed for s3cr3t-token')).toBe('auth failed for ***');
  });

  it('treats credentials as secrets, not every value', () => {
    const secrets = new Secrets();
    interpolateEnv(
      { a: '${env:MLFLOW_TRACKING_URI}', b: '${env:DB_URL}', c: '${env:BLOB}', d: '${env:AZURE_CLIENT_SECRET}' },
      new Map(),
      { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000', DB_URL: 'https://alice:hunter22@db.example', BLOB: 'https://acct.blob.core.windows.net/c?sv=1&sig=abcdef123', AZURE_CLIENT_SECRET: 'xyz-secret-value' },
      secrets,
    );
    expect(secrets.redact('tracking at http://127.0.0.1:5000')).toBe('tracking at http://127.0.0.1:5000');
    expect(secrets.redact('https://alice:hunter22@db.example')).toBe('https://alice:***@db.example');
    expect(secrets.redact('sig=abcdef123')).toBe('sig=***');
    expect(secrets.redact('got xyz-secret-value')).toBe('got ***');
  });

  it('uses ${env:NAME:-default} when the variable is unset', () => {
    const out = interpolateEnv({ a: '${env:NOPE:-fallback}' }, new Map(), {}, new Secrets());
    expect(out.value).toEqual({ a: 'fallback' });
  });

  it('reports an unset variable with its pointer and location', () => {
    const provenance = new Map([['/a', { kind: 'file' as const, file: 'r.json', line: 3, column: 5 }]]);
    const out = interpolateEnv({ a: '${env:MISSING}' }, provenance, {}, new Secrets());
    expect(out.issues).toEqual([
      { pointer: '/a', file: 'r.json', line: 3, column: 5, message: 'environment variable MISSING is not set; export it, or write ${env:MISSING:-default}' },
    ]);
  });
});
