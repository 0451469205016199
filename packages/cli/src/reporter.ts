import type { RunReporter } from '@prd/core';

/**
 * The report renderer from @prd/report, loaded only by `prd run` (it brings the plotting libraries, which
 * `prd validate` and friends do not need).
 */
export async function loadReporter(): Promise<RunReporter> {
  const { createReporter } = await import('@prd/report');
  return createReporter();
}
