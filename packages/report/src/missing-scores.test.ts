import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunEvents } from '@prd/core';
import { writeRunDirectory } from './fixture.test-helper.js';
import { renderReport } from './report.js';

/** Every number under an ML side of metrics.json set to null, as a diverged model's NaN predictions score. */
function nullMl(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullMl);
  if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'ml' ? nullDeep(v) : nullMl(v)]));
  return node;
}
function nullDeep(node: unknown): unknown {
  if (typeof node === 'number') return null;
  if (node !== null && typeof node === 'object') return Array.isArray(node) ? node.map(nullDeep) : Object.fromEntries(Object.entries(node).map(([k, v]) => [k, nullDeep(v)]));
  return node;
}

describe('report with missing scores (issue 16, reproduction 5)', () => {
  it('renders when the model scores are null and its predictions NaN, marking them as missing', { timeout: 120_000 }, async () => {
    const runDir = await writeRunDirectory(mkdtempSync(join(tmpdir(), 'prd-report-null-')), { seed: 3, times: 2, lats: 6, lons: 5, members: 3 });
    const metricsFile = join(runDir, 'metrics.json');
    writeFileSync(metricsFile, JSON.stringify(nullMl(JSON.parse(readFileSync(metricsFile, 'utf8'))), null, 2));
    const predictions = join(runDir, 'predictions.csv');
    const [header, ...rows] = readFileSync(predictions, 'utf8').trimEnd().split('\n');
    const ml = header.split(',').map((c, i) => (c.startsWith('ml_') ? i : -1)).filter((i) => i >= 0);
    writeFileSync(predictions, [header, ...rows.map((r) => r.split(',').map((v, i) => (ml.includes(i) ? 'NaN' : v)).join(','))].join('\n') + '\n');
    // A diverged model's saliency sample: NaN predictions, saved as null.
    const saliencyFile = join(runDir, 'explain', 'saliency', 'saliency.json');
    const saliency = JSON.parse(readFileSync(saliencyFile, 'utf8')) as { samples: Array<{ prediction: Array<number | null> }> };
    saliency.samples[0].prediction = saliency.samples[0].prediction.map(() => null);
    writeFileSync(saliencyFile, JSON.stringify(saliency));
    const files = await renderReport({ runDir, events: new RunEvents(), signal: new AbortController().signal }, { maxMapTimes: 1 });
    expect(files).toContain('report.html');
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(html).toMatch(/<td class="num">–<\/td>/);
    expect(files).toContain('plots/saliency_gradcam_row7.svg');
    expect(readFileSync(join(runDir, 'plots', 'saliency_gradcam_row7.svg'), 'utf8')).toContain('predicted fractions –, –, –, –, –');
  });
});
