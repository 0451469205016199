import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunEvents } from '@prd/core';
import { checkReport, type BrowserCheck } from './browser.test-helper.js';
import { writeRunDirectory } from './fixture.test-helper.js';
import { renderReport } from './report.js';

let check: BrowserCheck;
let runDir: string;

beforeAll(async () => {
  runDir = await writeRunDirectory(mkdtempSync(join(tmpdir(), 'prd-browser-')));
  await renderReport({ runDir, events: new RunEvents(), signal: new AbortController().signal });
  check = await checkReport(join(runDir, 'report.html'));
  // PRD_REPORT_SCREENSHOTS=<dir>: keep screenshots of the sections issue 18 point 8 is about (docs/report-screenshots).
  const keep = process.env.PRD_REPORT_SCREENSHOTS;
  if (keep) {
    mkdirSync(keep, { recursive: true });
    for (const id of ['training', 'metrics', 'explain']) writeFileSync(join(keep, `${id}.png`), await check.page.locator(`section#${id}`).screenshot());
    // Forecast maps of the lowest and the highest threshold: colour bars from the data, degree ticks.
    writeFileSync(join(keep, 'forecast-map.png'), await check.page.locator('figure[data-plot^="map_ml_"]').first().screenshot());
    writeFileSync(join(keep, 'forecast-map-high-threshold.png'), await check.page.locator('figure[data-plot^="map_ml_"]').last().screenshot());
  }
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
    // FSS: one row per aggregation (members, grid mean, ensemble mean, control), ML and NWP for 4 thresholds (the
    // fifth, > 220 mm/h, is never reached, so it is a note).
    const fss = check.page.locator('#metrics table[data-score="fss"]');
    expect(await fss.locator('tbody tr').count()).toBe(4);
    expect(await fss.locator('tbody tr').first().locator('td').count()).toBe(1 + 2 * 4);
  });

  it('names bands the same in tables and charts, and leaves out a threshold nobody reached (issue 18 point 8)', async () => {
    const head = await check.page.locator('#metrics table[data-score="frequency_bias"] thead tr').first().locator('th').allTextContents();
    expect(head.slice(1)).toEqual(['0-0.01 mm/h', '0.01-0.5 mm/h', '0.5-4 mm/h', '4-10 mm/h', '10-220 mm/h']);
    const chart = await check.page.locator('figure[data-plot^="bars_test_frequency_bias"]').first().textContent();
    expect(chart).toContain('4-10 mm/h');
    expect(await check.page.locator('#metrics').textContent()).not.toContain('band 7.0');
    // > 220 mm/h is never exceeded: no column of dashes, a note instead.
    const fss = await check.page.locator('#metrics table[data-score="fss"] thead').first().textContent();
    expect(fss).not.toContain('> 220');
    expect(await check.page.locator('#metrics').textContent()).toMatch(/> 220 mm\/h: no value/);
  });

  it('cuts no label of a chart, and repeats no heading', async () => {
    const cut = await check.page.locator('figure[data-plot] svg text').evaluateAll((nodes) => nodes.map((n) => n.textContent ?? '').filter((t) => t.endsWith('…')));
    expect(cut).toEqual([]);
    // Case and a trailing " split" aside ("Saliency" over "saliency", "test" over "test split" was the repetition).
    const headings = await check.page.locator('main h3, main h4').evaluateAll((nodes) => nodes.map((n) => `${n.closest('section')?.id}/${(n.textContent ?? '').toLowerCase().replace(/ split$/, '')}`));
    expect(headings.filter((h, i) => headings.indexOf(h) !== i)).toEqual([]);
  });

  it('gives the Grad-CAM height axis ticks in the lowest kilometre, where half the levels are', async () => {
    const ticks = await check.page.locator('figure[data-plot^="saliency_gradcam"]').first().locator('.role-axis-label text[text-anchor="end"]').allTextContents();
    const metres = ticks.map((t) => Number(t.replace(/,/g, '')));
    expect(metres.filter((m) => m > 0 && m < 1000).length, ticks.join(' ')).toBeGreaterThanOrEqual(2);
  });

  it('labels maps in degrees, and scales the colours of a high threshold to its data (issue 18 point 8)', async () => {
    // Maps are PNGs in the page; their SVGs beside them hold the same drawing as text.
    const ids = await check.page.locator('figure[data-plot^="cells_test_fss_"], figure[data-plot^="map_ml_"]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-plot')!));
    expect(ids.length).toBeGreaterThan(1);
    for (const id of ids) expect(readFileSync(join(runDir, 'plots', `${id}.svg`), 'utf8'), id).toMatch(/>\d+(\.\d+)?°N</);
    // The fixture's fractions above 10 mm/h stay under a half: on a 0-1 scale that map was uniformly dark.
    const threshold = (id: string) => Number(/^map_ml_([\d.]+)_/.exec(id)![1]);
    const highest = ids.filter((id) => id.startsWith('map_ml_')).sort((a, b) => threshold(b) - threshold(a))[0];
    expect(readFileSync(join(runDir, 'plots', `${highest}.svg`), 'utf8'), highest).toMatch(/>scale 0 to 0\.\d+</);
  });

  it('shows the epoch of the lowest validation loss apart from the epoch whose weights were kept', async () => {
    const training = await check.page.locator('#training table').first().textContent();
    expect(training).toMatch(/lowest val_loss\s*epoch \d+/);
    expect(training).toMatch(/weights kept from\s*epoch \d+/);
  });
});
