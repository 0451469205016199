import type { AnyPlugin } from '@prd/core';
import { csvSource } from './plugin.js';

export { csvSource, openCsv, CsvSourceOptions } from './plugin.js';
export { parseRecord, readCsvHeader } from './header.js';

const plugins: AnyPlugin[] = [csvSource];
export default plugins;
