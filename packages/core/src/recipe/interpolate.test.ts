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
