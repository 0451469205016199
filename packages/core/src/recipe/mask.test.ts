import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { maskRecipe, maskUrl, secretPointers, urlSecrets } from './mask.js';
import { Secrets } from './secrets.js';

describe('masking credentials written in a recipe', () => {
  it('finds and masks URL passwords, lone user tokens and secret query values', () => {
    expect(urlSecrets('http://bob:PW@host/?token=T&x=1&sig=abc')).toEqual(['PW', 'T', 'abc']);
    expect(maskUrl('http://bob:PW@host/p?x=1&access_token=T#k')).toBe('http://bob:***@host/p?x=1&access_token=***#k');
    expect(maskUrl('https://ghp_abc123@github.com/x')).toBe('https://***@github.com/x');
    expect(maskUrl('http://host:5000/path')).toBe('http://host:5000/path');
  });

  it('masks options whose schema says secret: true, only in the plugin in use, and keeps placeholders', () => {
    const options = Type.Object({ uri: Type.String(), password: Type.Optional(Type.String({ secret: true })), token: Type.Optional(Type.String({ secret: true })) });
    const schema = {
      type: 'object',
      properties: {
        track: { type: 'array', items: { oneOf: [{ properties: { use: { const: 'mlflow' }, with: options } }, { properties: { use: { const: 'other' }, with: Type.Object({ password: Type.String() }) } }] } },
      },
    };
    const used = { track: [{ use: 'mlflow', with: { uri: 'http://h', password: 'hunter22', token: 'from-env-value' } }, { use: 'other', with: { password: 'not-marked' } }] };
    const shown = structuredClone(used);
    shown.track[0].with.token = '${env:TOKEN}';
    expect(secretPointers(schema, used)).toEqual(['/track/0/with/password', '/track/0/with/token']);
    const secrets = new Secrets();
    const masked = maskRecipe(shown, used, schema, secrets) as typeof used;
    expect(masked.track[0].with).toEqual({ uri: 'http://h', password: '***', token: '${env:TOKEN}' });
    expect(masked.track[1].with.password).toBe('not-marked');
    expect(secrets.redact('hunter22 and from-env-value')).toBe('*** and ***');
  });
});
