import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunEvents } from '@prd/core';
import { writeRunDirectory } from './fixture.test-helper.js';
import { renderReport } from './report.js';

// Debian's Chromium, installed by .ci/setup/chromium.sh; never a browser downloaded by playwright.
const CHROMIUM = process.env.PRD_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let runDir: string;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run "bash .ci/setup/chromium.sh" (or set PRD_CHROMIUM)`);
  runDir = await writeRunDirectory(mkdtempSync(join(tmpdir(), 'prd-browser-')));
  await renderReport({ runDir, events: new RunEvents(), signal: new AbortController().signal });
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'prd-chromium-')), { executablePath: CHROMIUM, args: FLAGS, headless: true, viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(join(runDir, 'report.html')).href, { waitUntil: 'load' });
  // Collapsed <details> (recipe, JSON files) are opened so everything on the page is laid out.
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
}, 180_000);

afterAll(async () => {
  await context?.close();
});

/** Share of pixels in a PNG that are not (near) white, measured by the page's own image decoder. */
async function inkShare(png: Buffer): Promise<number> {
  return page.evaluate(async (data) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(image, 0, 0);
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 235 || pixels[i + 1] < 235 || pixels[i + 2] < 235) ink++;
    return ink / (pixels.length / 4);
  }, png.toString('base64'));
}

describe('report.html in headless Chromium', () => {
  it('loads with no console errors and no network requests', () => {
    expect(consoleErrors).toEqual([]);
    const page = pathToFileURL(join(runDir, 'report.html')).href;
    expect(requests.filter((url) => url !== page && !url.startsWith('data:'))).toEqual([]);
  });

  it('renders every plot: non-zero size and non-blank pixels (screenshot saved beside the report)', async () => {
    writeFileSync(join(runDir, 'report-screenshot.png'), await page.screenshot({ fullPage: true }));
    const figures = page.locator('figure[data-plot]');
    const count = await figures.count();
    expect(count).toBeGreaterThan(40);
    const failures: string[] = [];
    for (let i = 0; i < count; i++) {
      const figure = figures.nth(i);
      const id = await figure.getAttribute('data-plot');
      const graphic = figure.locator('svg, img').first();
      if ((await graphic.count()) === 0) {
        failures.push(`${id}: no <svg> or <img>`);
        continue;
      }
      const box = await graphic.boundingBox();
      if (!box || box.width < 50 || box.height < 50) {
        failures.push(`${id}: size ${box?.width}x${box?.height}`);
        continue;
      }
      const ink = await inkShare(await graphic.screenshot());
      if (ink < 0.01) failures.push(`${id}: blank (${(ink * 100).toFixed(2)}% ink)`);
    }
    expect(failures).toEqual([]);
  });

  it('shows the metric tables and the sections of a run', async () => {
    const headings = await page.locator('h2').allTextContents();
    expect(headings).toEqual(['Recipe', 'Data', 'Training', 'Metrics', 'Scores per grid cell', 'Forecast maps', 'Postage stamps', 'Explanations', 'Manifest']);
    // FSS: one row per aggregation (members, grid mean, ensemble mean, control), ML and NWP for 5 thresholds.
    const fss = page.locator('#metrics table[data-score="fss"]');
    expect(await fss.locator('tbody tr').count()).toBe(4);
    expect(await fss.locator('tbody tr').first().locator('td').count()).toBe(1 + 2 * 5);
  });
});
