import { readdirSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunEvents, type RunEvent } from '@prd/core';
import { writeRunDirectory } from './fixture.test-helper.js';
import { parseHistory, readRun } from './run-data.js';
import { renderReport } from './report.js';
import { prefixSvgIds } from './render.js';
import { gridOf, mercatorPanel } from './plots/geo.js';
import { metricRows } from './plots/metrics.js';

let runDir: string;
let files: string[];
let events: RunEvent[];

beforeAll(async () => {
  runDir = await writeRunDirectory(mkdtempSync(join(tmpdir(), 'prd-report-')));
  const bus = new RunEvents();
  events = [];
  bus.on((e) => events.push(e));
  files = await renderReport({ runDir, events: bus, signal: new AbortController().signal }, { maxMapTimes: 2 });
}, 120_000);

describe('renderReport', () => {
  it('writes every plot as SVG and PNG, and report.html', () => {
    expect(files).toContain('report.html');
    const svgs = files.filter((f) => f.endsWith('.svg'));
    expect(svgs.length).toBe(files.filter((f) => f.endsWith('.png')).length);
    for (const f of files) expect(statSync(join(runDir, f)).size).toBeGreaterThan(500);
    // PNG signature, and the SVGs are SVG.
    expect(readFileSync(join(runDir, 'plots', 'bars_test_fss.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(runDir, 'plots', 'bars_test_fss.svg'), 'utf8')).toMatch(/^<svg /);
    // The data engine's scratch files do not stay in the run directory.
    expect(readdirSync(runDir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('draws each kind of figure the issue lists', () => {
    const ids = files.filter((f) => f.endsWith('.svg')).map((f) => f.slice('plots/'.length, -4));
    // learning curves, ML-vs-NWP bars for each aggregation, per-cell maps, three-panel maps for ML and NWP,
    // postage stamps, importance, saliency and filters.
    expect(ids).toEqual(expect.arrayContaining(['learning_loss', 'learning_accuracy', 'bars_test_fss', 'bars_test_fss_ensemble_mean', 'bars_test_fss_control', 'bars_test_frequency_bias', 'bars_test_scores', 'importance_permutation', 'saliency_gradcam_row7', 'saliency_gradients', 'filters_first_layer']));
    expect(ids.filter((id) => id.startsWith('cells_test_fss_')).length).toBeGreaterThanOrEqual(3);
    expect(ids.some((id) => id.startsWith('cells_test_frequency_bias_'))).toBe(true);
    const maps = ids.filter((id) => id.startsWith('map_'));
    // 2 times x (ML, NWP) x the thresholds where anything exceeds (the 220 mm/h one never does here).
    expect(maps.filter((id) => id.startsWith('map_ml_')).length).toBe(maps.filter((id) => id.startsWith('map_nwp_')).length);
    expect(maps.some((id) => id.includes('_220_'))).toBe(false);
    expect(maps.filter((id) => id.startsWith('map_ml_0.01_')).length).toBe(2);
    expect(ids.filter((id) => id.startsWith('stamps_ml_0.5_'))).toHaveLength(1);
  });

  it('reports progress per plot and no drawing failures', () => {
    const progress = events.filter((e): e is Extract<RunEvent, { type: 'progress' }> => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ step: 'report', unit: 'plots', done: progress.length, total: progress.length });
    expect(events.filter((e) => e.type === 'log' && e.level === 'warn')).toEqual([]);
  });

  it('maps carry the coastline and one cell rectangle per grid cell with data', () => {
    const svg = readFileSync(join(runDir, 'plots', files.find((f) => /plots\/stamps_.*\.svg$/.test(f))!.slice('plots/'.length)), 'utf8');
    // 6 members x 17 x 10 cells, each one path; plus one coastline path per member panel.
    const cellPaths = svg.match(/<path d="M[^"]*h[^"]*v[^"]*h[^"]*Z"/g) ?? [];
    expect(cellPaths.length).toBeGreaterThanOrEqual(6 * 170);
  });

  it('report.html is self-contained: no external URL, no script, every plot embedded', () => {
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("default-src 'none'");
    const ids = files.filter((f) => f.endsWith('.svg')).map((f) => f.slice('plots/'.length, -4));
    for (const id of ids) expect(html).toContain(`data-plot="${id}"`);
    // Metric tables with ML and NWP side by side, and the recipe, data, manifest sections.
    for (const text of ['FSS', 'Recipe', 'Intensity bands', 'Manifest', 'wind_from_direction', 'tfjs-wasm', '181,694']) expect(html).toContain(text);
  });

  it('metric tables show the values of metrics.json', () => {
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
    const value = metrics.test.fss['0.5'].ml as number;
    expect(value).toBeGreaterThan(0);
    expect(html).toContain(value.toFixed(4));
  });
});

describe('runs with less in them', () => {
  it('renders a regression run with no predictions, maps or explanations', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'prd-report-min-')), 'run');
    mkdirSync(dir);
    const manifest = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, training: undefined, data: undefined }));
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ test: { mae: { ml: 0.42 }, r2: { ml: 0.61 }, mae_control: { ml: 0.4 } } }));
    const bus = new RunEvents();
    const warnings: string[] = [];
    bus.on((e) => e.type === 'log' && e.level === 'warn' && warnings.push(e.message));
    const written = await renderReport({ runDir: dir, events: bus, signal: new AbortController().signal });
    expect(written).toEqual(['plots/bars_test_scores.svg', 'plots/bars_test_scores.png', 'plots/figures.json', 'report.html']);
    expect(warnings).toEqual([]);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('0.6100');
    expect(html).toContain('No explainers ran');
  });
});

describe('helpers', () => {
  it('prefixes SVG ids and their references so inlined SVGs do not share clip paths', () => {
    const svg = '<svg><clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"></g><use href="#clip1"/><g id="other"></g></svg>';
    expect(prefixSvgIds(svg, 'p3')).toBe('<svg><clipPath id="p3-clip1"><rect/></clipPath><g clip-path="url(#p3-clip1)"></g><use href="#p3-clip1"/><g id="p3-other"></g></svg>');
  });

  it('infers the grid from cell centres and fits a Mercator panel to it', () => {
    const grid = gridOf([49.40625, 49.59375, 49.78125], [-5.484375, -5.203125]);
    expect(grid.dlat).toBeCloseTo(0.1875, 12);
    expect(grid.dlon).toBeCloseTo(0.28125, 12);
    expect(grid.bbox).toEqual([-5.625, 49.3125, -5.0625, 49.875]);
    const panel = mercatorPanel([-5.765625, 49.21875, 2.8125, 58.875], 300);
    // Mercator stretches latitude: the UK box is taller than it is wide.
    expect(panel.width).toBeLessThan(300);
    expect(panel.width).toBeGreaterThan(100);
  });

  it('parses history.csv and metric trees', () => {
    expect(parseHistory('epoch,loss,val_loss,learning_rate\n1,0.5,0.6,\n2,0.4,0.55,0.001\n')).toEqual([{ epoch: 1, loss: 0.5, val_loss: 0.6 }, { epoch: 2, loss: 0.4, val_loss: 0.55, learning_rate: 0.001 }]);
    expect(metricRows({ fss: { '4': { ml: 0.1, nwp: 0.2 }, '0.5': { ml: 0.3, nwp: null } }, kl_divergence: { ml: 0.3, nwp: 0.4 } })).toEqual([
      { metric: 'fss', key: '0.5', ml: 0.3, nwp: null },
      { metric: 'fss', key: '4', ml: 0.1, nwp: 0.2 },
      { metric: 'kl_divergence', key: '', ml: 0.3, nwp: 0.4 },
    ]);
  });

  it('reads the run directory and rejects a directory without a manifest', () => {
    const run = readRun(runDir);
    expect(run.cellTables.test).toHaveProperty('fss');
    expect(run.explainers.map((e) => e.name)).toEqual(['filters', 'permutation-importance', 'saliency']);
    expect(() => readRun(tmpdir())).toThrow(/is not a run directory \(no manifest.json\)/);
    expect(existsSync(join(runDir, 'plots'))).toBe(true);
  });
});
