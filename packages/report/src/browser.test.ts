import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunEvents } from '@prd/core';
import { checkReport, type BrowserCheck } from './browser.test-helper.js';
import { writeRunDirectory } from './fixture.test-helper.js';
import { renderReport } from './report.js';

let check: BrowserCheck;

beforeAll(async () => {
  const runDir = await writeRunDirectory(mkdtempSync(join(tmpdir(), 'prd-browser-')));
  await renderReport({ runDir, events: new RunEvents(), signal: new AbortController().signal });
  check = await checkReport(join(runDir, 'report.html'));
}, 300_000);

afterAll(async () => {
  await check?.close();
});

describe('report.html in headless Chromium', () => {
  it('loads with no console errors and no network requests', () => {
    expect(check.consoleErrors).toEqual([]);
    expect(check.requests).toEqual([]);
  });

  it('renders every plot: non-zero size and non-blank pixels (screenshot saved beside the report)', () => {
    expect(check.figures).toBeGreaterThan(40);
    expect(check.failures).toEqual([]);
  });

  it('shows the metric tables and the sections of a run', async () => {
    expect(check.headings).toEqual(['Recipe', 'Data', 'Training', 'Metrics', 'Scores per grid cell', 'Forecast maps', 'Postage stamps', 'Explanations', 'Manifest']);
    // FSS: one row per aggregation (members, grid mean, ensemble mean, control), ML and NWP for 5 thresholds.
    const fss = check.page.locator('#metrics table[data-score="fss"]');
    expect(await fss.locator('tbody tr').count()).toBe(4);
    expect(await fss.locator('tbody tr').first().locator('td').count()).toBe(1 + 2 * 5);
  });
});
