// Preloaded into the `prd run` child of the run suite (node --import): writes the process's peak resident memory
// to PRD_BENCH_RSS_FILE when it exits, however it exits. DuckDB and TensorFlow.js run in-process, so this is all of it.
import { writeFileSync } from 'node:fs';

const file = process.env.PRD_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS / 1024)));
