import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `prd` script of this package (bin/run.js). */
export const PRD_BIN = join(dirname(dirname(fileURLToPath(import.meta.url))), 'bin', 'run.js');
