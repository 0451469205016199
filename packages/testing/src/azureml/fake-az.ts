import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Write into `dir` an `az` that answers `az account get-access-token` (as DefaultAzureCredential runs it) with a token
 * from the test workspace at `planeUrl`; put `dir` first on a process's PATH to sign it in.
 */
export function writeFakeAz(dir: string, planeUrl: string): void {
  mkdirSync(dir, { recursive: true });
  const az = join(dir, 'az');
  writeFileSync(
    az,
    `#!${process.execPath}\nconst a = process.argv.slice(2);\nif (a[0] !== 'account' || a[1] !== 'get-access-token') { console.error('fake az: only "account get-access-token"'); process.exit(2); }\nfetch(${JSON.stringify(planeUrl)} + '/_test/token', { method: 'POST' }).then((r) => r.text()).then((t) => console.log(t), (e) => { console.error(String(e)); process.exit(1); });\n`,
  );
  chmodSync(az, 0o755);
}
