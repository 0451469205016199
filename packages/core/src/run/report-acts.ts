import type { RunEvents } from './events.js';
import type { GraphContext } from './graph.js';
import type { Manifest, RunDirectory, StepRecord } from './run-dir.js';
import type { RunReporter } from './runner.js';

/**
 * The report step's act: the figures, drawn from the run directory as it stands (the metrics, and the manifest with
 * the steps so far; it is still RUNNING, and the page that shows its status and duration is written at the end).
 */
export async function drawFigures(reporter: RunReporter, run: RunDirectory, manifest: Manifest, g: GraphContext, steps: StepRecord[], events: RunEvents, signal: AbortSignal): Promise<string[]> {
  run.writeJson('metrics.json', g.metrics ?? {});
  run.writeJson('manifest.json', { ...manifest, steps });
  return reporter.figures({ runDir: run.dir, events, signal });
}

/**
 * The run's last act, once its final manifest is written: report.html, when the report step drew its figures. A page
 * that cannot be written is a warning, not a failed run: every output of the run, figures included, is in place.
 */
export async function writeReportPage(reporter: RunReporter, run: RunDirectory, g: GraphContext, events: RunEvents): Promise<void> {
  const step = g.results.report;
  if (!step || 'skipped' in step) return;
  try {
    await reporter.page(run.dir);
  } catch (error) {
    events.log(`report.html was not written: ${(error as Error).message}`, 'warn');
  }
}
