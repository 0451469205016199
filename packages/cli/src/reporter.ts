import type { RunReporter } from '@prd/core';

/**
 * The report renderer, if @prd/report is installed (it brings the plotting libraries, which `prd validate` and
 * friends do not need to load).
 */
export async function loadReporter(): Promise<RunReporter | undefined> {
  try {
    const mod = (await import('@prd/report')) as { renderRunReport?: RunReporter };
    return mod.renderRunReport;
  } catch (error) {
    // Only the package itself being absent means "no report"; a broken dependency inside it is a real error.
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes("'@prd/report'")) return undefined;
    throw error;
  }
}
