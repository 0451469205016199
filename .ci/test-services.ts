import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * vitest global setup of the root `npm test`: starts the servers the integration tests need (each
 * `.ci/services/<name>.sh`, the same scripts `.ci/run` sources) unless their variables are already set, and
 * leaves them running for the next `npm test` to reuse. A server that cannot be had (no Python for MLflow) is
 * reported here, once, with the reason; its tests then skip and say why.
 */
export default function setup(): () => void {
  const unavailable: string[] = [];
  const root = resolve(import.meta.dirname, '..');
  // What the tests need, in .ci/run's order: setup (Python test tools, a browser), then the servers.
  const scripts = ['setup', 'services'].flatMap((folder) =>
    readdirSync(join(root, '.ci', folder))
      .filter((f) => f.endsWith('.sh'))
      .sort()
      .map((f) => join(folder, f)),
  );
  for (const script of scripts) {
    const name = script.slice(script.indexOf('/') + 1, -3);
    const marker = `PRD_SERVICE_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    // .ci/run sourced every script already (and says so); a second npm test in one shell reuses what the first started.
    if (process.env[marker] || process.env.PRD_CI_PREPARED) continue;
    // Each script exports its variables; print them NUL-separated, and drop the script's exit trap so the server
    // outlives this shell (the script reuses a healthy server next time).
    const shell = `set -euo pipefail; source "${join(root, '.ci', script)}" >&2; trap - EXIT; env -0`;
    const started = Date.now();
    const result = spawnSync('bash', ['-c', shell], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    if (result.status !== 0) {
      const reason = (result.stderr || String(result.error ?? '')).trim().split('\n').slice(-3).join(' | ');
      process.env[marker] = `unavailable: ${reason}`;
      unavailable.push(`${name}: ${reason}`);
      process.stderr.write(`\nprd test services: ${name} could not be started, so its integration tests are skipped: ${reason}\n`);
      continue;
    }
    for (const entry of result.stdout.split('\0')) {
      const at = entry.indexOf('=');
      if (at < 1) continue;
      const key = entry.slice(0, at);
      if (process.env[key] === undefined) process.env[key] = entry.slice(at + 1);
    }
    process.env[marker] = 'started';
    process.stderr.write(`prd test services: ${name} ready (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  // Environment images the AzureML control plane builds (a real npm install each), shared by the tests of this run.
  const images = process.env.PRD_TEST_IMAGE_CACHE ? undefined : mkdtempSync(join(tmpdir(), 'prd-test-images-'));
  if (images) process.env.PRD_TEST_IMAGE_CACHE = images;
  // Said again after the summary, where it is read: which integration tests were skipped, and why.
  return () => {
    if (images) rmSync(images, { recursive: true, force: true });
    for (const line of unavailable) process.stderr.write(`prd test services: skipped the integration tests of ${line}\n`);
  };
}
