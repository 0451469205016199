import { existsSync } from 'node:fs';
import { renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The report's font: DejaVu Sans ships with Debian and with Chromium, so SVG, PNG and browser agree. */
export const FONT = 'DejaVu Sans, Verdana, sans-serif';

/** Shared Vega-Lite config: one font, no ARIA labels per mark (they would double the size of map SVGs). */
export const CONFIG = {
  font: FONT,
  aria: false,
  background: 'white',
  title: { fontSize: 13, anchor: 'start', subtitleFontSize: 11 },
  axis: { labelFontSize: 10, titleFontSize: 11 },
  legend: { labelFontSize: 10, titleFontSize: 10 },
  view: { stroke: '#ccc' },
} as const;

/** Render a Vega-Lite spec headless to an SVG string (no canvas, no network); compiler warnings go to `warn`. */
export async function renderSvg(spec: TopLevelSpec, warn: (message: string) => void = () => {}): Promise<string> {
  const logger = {
    level: () => logger,
    warn: (...parts: unknown[]) => (warn(parts.join(' ')), logger),
    info: () => logger,
    debug: () => logger,
    error: (...parts: unknown[]) => (warn(parts.join(' ')), logger),
  };
  const { spec: vegaSpec } = compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec, { logger: logger as never });
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const DEJAVU = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'];
// Scanning every system font costs ~0.2 s per image; DejaVu is all the plots use (Debian's fonts-dejavu-core).
const FONT_FILES = DEJAVU.every((f) => existsSync(f)) ? DEJAVU : undefined;

function rasterOptions(scale: number): ResvgRenderOptions {
  return {
    font: { loadSystemFonts: FONT_FILES === undefined, fontFiles: FONT_FILES, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  };
}

/** Rasterise an SVG to PNG at `scale` times its size (resvg, prebuilt, no system libraries), off the main thread. */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const image = await renderAsync(svg, rasterOptions(scale));
  return image.asPng();
}

/**
 * Give every `id` in an SVG a unique prefix (and every reference to it), so several Vega SVGs can be inlined in
 * one page: each numbers its clip paths from `clip1`, and the first definition would win for all of them.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (match, lead: string, id: string) => (ids.has(id) ? `${lead}${prefix}-${id}` : match));
}
