import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_DIR } from './plugins.js';

/** The version of the installed @prd/cli package. */
export function cliVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
