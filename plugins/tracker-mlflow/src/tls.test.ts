import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '@prd/testing';
import { describe, expect, it } from 'vitest';
import { MlflowClient } from './client.js';
import { resolveConnection } from './config.js';

/** A self-signed certificate for 127.0.0.1, made with openssl; cert and key also concatenated in one PEM. */
function selfSigned(dir: string, name: string): { cert: string; key: string; pem: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const pem = join(dir, `${name}.pem`);
  writeFileSync(pem, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  return { cert, key, pem };
}

describe('TLS the MLflow way', () => {
  it('trusts MLFLOW_TRACKING_SERVER_CERT_PATH and presents MLFLOW_TRACKING_CLIENT_CERT_PATH', async () => {
    const dir = tempDir('prd-tls-');
    const server = selfSigned(dir, 'server');
    const client = selfSigned(dir, 'client');
    const https = createServer({ cert: readFileSync(server.cert), key: readFileSync(server.key), ca: readFileSync(client.cert), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      res.end('3.17.2');
    });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    const uri = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    const policy = { retries: 0, baseDelayMs: 10, maxDelayMs: 10, timeoutMs: 5_000 };
    try {
      const trusted = resolveConnection({ uri }, { MLFLOW_TRACKING_SERVER_CERT_PATH: server.cert, MLFLOW_TRACKING_CLIENT_CERT_PATH: client.pem });
      expect(await new MlflowClient(trusted, policy).version()).toBe('3.17.2');
      // Without the CA the server's certificate is refused; without the client certificate the server refuses us.
      await expect(new MlflowClient(resolveConnection({ uri }, { MLFLOW_TRACKING_CLIENT_CERT_PATH: client.pem }), policy).version()).rejects.toThrow(/self-signed|self signed/);
      await expect(new MlflowClient(resolveConnection({ uri }, { MLFLOW_TRACKING_SERVER_CERT_PATH: server.cert }), policy).version()).rejects.toThrow();
      expect(() => resolveConnection({ uri }, { MLFLOW_TRACKING_SERVER_CERT_PATH: server.cert, MLFLOW_TRACKING_INSECURE_TLS: 'true' })).toThrow(/contradict/);
      expect(() => resolveConnection({ uri }, { MLFLOW_TRACKING_SERVER_CERT_PATH: join(dir, 'missing.crt') })).toThrow(/does not exist/);
    } finally {
      https.close();
    }
  });
});
