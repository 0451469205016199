import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataEngine, type Preprocessing } from '@prd/core';
import { renderSvg } from '../render.js';
import { memberLinePlot } from './location.js';
import { regressionPlots } from './regression.js';

let engine: DataEngine;
let dir: string;
beforeAll(async () => {
  engine = await DataEngine.open();
  dir = mkdtempSync(join(tmpdir(), 'prd-report-plots-'));
});
afterAll(() => engine.close());

const base = { metadata: ['time', 'realization', 'latitude', 'longitude'], prefixes: { truth: 'radar_mean_rain_instant', nwp: 'mogrepsg_fraction_in_band_instant', ml: 'ml_mean_rain_instant' }, baseline: { kind: 'none' } };

describe('regression figures (seed §5.3)', () => {
  it('scatter actual against predicted with a 1:1 line, and histograms of both on common bins', async () => {
    const csv = join(dir, 'regression.csv');
    const rows = Array.from({ length: 50 }, (_, i) => `2020-02-15 06:00:00,0,50,${i},${i / 10},${i / 10 + 0.5}`);
    writeFileSync(csv, `time,realization,latitude,longitude,radar_mean_rain_instant,ml_mean_rain_instant\n${rows.join('\n')}\n`);
    const p = { ...base, task: 'regression', bands: [], target: { columns: ['radar_mean_rain_instant'] } } as unknown as Preprocessing;
    const [scatter, histogram] = await regressionPlots(engine, csv, p);
    expect(scatter.id).toBe('regression_scatter');
    const svg = await renderSvg(scatter.spec);
    expect(svg).toContain('Actual radar mean rain instant (mm/h)');
    expect(svg).toContain('Predicted radar mean rain instant (mm/h)');
    const bins = (histogram.spec as unknown as { data: { values: Array<{ source: string; n: number }> } }).data.values;
    // Every row is counted once per source.
    expect(bins.filter((b) => b.source === 'Actual').reduce((s, b) => s + b.n, 0)).toBe(50);
    expect(bins.filter((b) => b.source === 'Predicted').reduce((s, b) => s + b.n, 0)).toBe(50);
    expect(await regressionPlots(engine, csv, { ...p, task: 'bands' } as Preprocessing)).toEqual([]);
  });
});

describe('per-location member plot (seed §8.5)', () => {
  it('draws every member, the radar, NWP and the ML mean at the wettest time and cell', async () => {
    const csv = join(dir, 'bands.csv');
    const head = 'time,realization,latitude,longitude,radar_fraction_in_band_instant_a,radar_fraction_in_band_instant_b,mogrepsg_fraction_in_band_instant_a,mogrepsg_fraction_in_band_instant_b,ml_fraction_in_band_instant_a,ml_fraction_in_band_instant_b';
    // Cell (50, 1) is the wetter one: radar 0.4 above the first band against 0.1.
    const lines = [0, 1, 2].flatMap((m) => [`2020-02-15 06:00:00,${m},50,0,0.9,0.1,0.5,0.5,0.8,0.2`, `2020-02-15 06:00:00,${m},50,1,0.6,0.4,0.5,0.5,${0.5 + m / 10},${0.5 - m / 10}`]);
    writeFileSync(csv, `${head}\n${lines.join('\n')}\n`);
    const p = {
      metadata: base.metadata, task: 'bands', prefixes: { truth: 'radar_fraction_in_band_instant', nwp: 'mogrepsg_fraction_in_band_instant', ml: 'ml_fraction_in_band_instant' },
      bands: [{ key: 'a', lower: 0, upper: 0.01 }, { key: 'b', lower: 0.01, upper: 0.5 }],
      target: { columns: ['radar_fraction_in_band_instant_a', 'radar_fraction_in_band_instant_b'] },
      baseline: { kind: 'columns', columns: ['mogrepsg_fraction_in_band_instant_a', 'mogrepsg_fraction_in_band_instant_b'] },
    } as unknown as Preprocessing;
    const plot = (await memberLinePlot(engine, csv, p))!;
    const values = (plot.spec as unknown as { data: { values: Array<{ band: string; value: number; series: string }> } }).data.values;
    expect(new Set(values.map((v) => v.series))).toEqual(new Set(['member 0', 'member 1', 'member 2', 'Radar', 'NWP', 'ML (mean)']));
    expect(values.find((v) => v.series === 'ML (mean)' && v.band === '0-0.01 mm/h')!.value).toBeCloseTo(0.6, 9);
    expect(values.find((v) => v.series === 'Radar' && v.band === '0.01-0.5 mm/h')!.value).toBeCloseTo(0.4, 9);
    const svg = await renderSvg(plot.spec);
    expect(svg).toContain('Precip intensity band');
    expect(svg).toContain('Fraction');
  });
});
