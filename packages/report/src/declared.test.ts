import type { Manifest, MetricTree } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { Declared } from './declared.js';
import { reportHtml } from './html.js';
import type { RunData } from './run-data.js';

const manifest = {
  runId: 'r',
  name: 'declared',
  status: 'FINISHED',
  startedAt: '2020-01-01T00:00:00.000Z',
  seed: 1,
  recipe: { file: 'r.json', files: [] },
  runtime: { prd: '0', node: 'v20', platform: 'linux-x64', cpus: 2 },
  plugins: [
    // An evaluator prd does not ship: the report knows it only through what it declares.
    { slot: '/evaluate/0', kind: 'evaluator', name: 'brier', package: 'acme', version: '1.0.0', outputs: { metrics: { brier: { label: 'Brier score', direction: 'lower', keys: 'thresholds' } } } },
    { slot: '/evaluate/1', kind: 'evaluator', name: 'bias', package: 'acme', version: '1.0.0', outputs: { metrics: { bias: { label: 'Bias', direction: 'ideal', ideal: 1, ratio: true } } } },
  ],
  steps: [],
} as unknown as Manifest;

function html(metrics: MetricTree): string {
  const run: RunData = { runDir: '.', manifest, metrics, history: [], cellTables: {}, explainers: [] };
  return reportHtml(run, [], {});
}

describe('declared outputs in the report', () => {
  it('marks the better side by the direction the evaluator declares, with its label and key kind', () => {
    const page = html({ test: { brier: { '4': { ml: 0.1, nwp: 0.3 } }, brier_control: { '4': { ml: 0.5, nwp: 0.2 } }, bias: { ml: 0.5, nwp: 1.8 } } });
    const brier = page.slice(page.indexOf('<h4>Brier score'), page.indexOf('</table>', page.indexOf('<h4>Brier score')));
    expect(brier).toContain('data-direction="lower"');
    expect(brier).toContain('&gt; 4');
    // Lower is better: ML 0.1 beats NWP 0.3 for all members; NWP 0.2 beats ML 0.5 for the control (declared via "brier").
    expect(brier).toMatch(/<td class="num better">0\.1000<\/td><td class="num">0\.3000<\/td>/);
    expect(brier).toMatch(/<td class="num">0\.5000<\/td><td class="num better">0\.2000<\/td>/);
    // A ratio nearest 1: 1.8 (log distance 0.59) beats 0.5 (0.69).
    const bias = page.slice(page.indexOf('<h4>Bias'), page.indexOf('</table>', page.indexOf('<h4>Bias')));
    expect(bias).toMatch(/<td class="num">0\.5000<\/td><td class="num better">1\.8000<\/td>/);
  });

  it('shows every scalar an evaluator reports, undeclared ones without a better side', () => {
    const page = html({ test: { hits: 12, skill: { all: { ml: 0.7, nwp: 0.2 }, deep: { a: 3 } } } });
    expect(page).toContain('<h4>hits <span class="note">(direction not declared)</span></h4>');
    expect(page).toContain('>12.0000<');
    expect(page).toContain('deep/a');
    expect(page).not.toContain('better">');
  });

  it('covers extended names and reads file formats per plugin', () => {
    const declared = new Declared({ plugins: [{ slot: '/explain/0', kind: 'explainer', name: 'x', package: 'p', version: '1', outputs: { files: [{ path: 'ranking.json', format: 'prd-importance', description: 'd' }] } }, ...manifest.plugins] });
    expect(declared.metric('brier_ensemble_mean_grid_mean')?.label).toBe('Brier score');
    expect(declared.metric('brierx')).toBeUndefined();
    expect(declared.format('x', 'ranking.json')).toBe('prd-importance');
    expect(declared.format('y', 'ranking.json')).toBeUndefined();
  });
});
