// Test helper (not part of the package build): open a report.html in Debian's headless Chromium through
// playwright-core and check it as a reader would see it.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';

/** Debian's Chromium, installed by .ci/setup/chromium.sh; never a browser downloaded by playwright. */
export const CHROMIUM = process.env.PRD_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** What a report looked like in the browser. */
export interface BrowserCheck {
  consoleErrors: string[];
  /** Every request other than the page itself (data: URIs included, if the browser reports them). */
  requests: string[];
  /** Figures (`figure[data-plot]`) on the page. */
  figures: number;
  /** Figures without a graphic, of zero size, or blank (under 1% non-white pixels). */
  failures: string[];
  headings: string[];
  /** Anything else a test wants from the page, evaluated after load. */
  page: Page;
  close(): Promise<void>;
}

/** Share of pixels in a PNG that are not (near) white, measured by the page's own image decoder. */
async function inkShare(page: Page, png: Buffer): Promise<number> {
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

/**
 * Open `report.html` with a fresh profile, record console errors and requests, open every <details>, save a
 * full-page screenshot beside the report, and screenshot each figure's graphic to check that it drew.
 */
export async function checkReport(reportFile: string): Promise<BrowserCheck> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run "bash .ci/setup/chromium.sh" (or set PRD_CHROMIUM)`);
  const profile = mkdtempSync(join(tmpdir(), 'prd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true, viewport: { width: 1400, height: 900 } });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(reportFile).href;
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => request.url() !== url && requests.push(request.url()));
    await page.goto(url, { waitUntil: 'load' });
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
    writeFileSync(reportFile.replace(/\.html$/, '-screenshot.png'), await page.screenshot({ fullPage: true }));
    const figures = page.locator('figure[data-plot]');
    const count = await figures.count();
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
      const ink = await inkShare(page, await graphic.screenshot());
      if (ink < 0.01) failures.push(`${id}: blank (${(ink * 100).toFixed(2)}% ink)`);
    }
    const headings = await page.locator('h2').allTextContents();
    // Data URIs are part of the page, not network traffic.
    return { consoleErrors, requests: requests.filter((r) => !r.startsWith('data:')), figures: count, failures, headings, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
