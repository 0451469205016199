import type { Band, BandSummary, DataSummary } from '@prd/core';
import type { TopLevelSpec } from 'vega-lite';
import type { Plot } from './plot.js';

const SPLIT_NAMES: Record<string, string> = { train: 'training', validation: 'validation', test: 'test' };

function labelsOf(summary: DataSummary, bands: Band[], unit: string): string[] {
  return summary.bands.map((key) => {
    const band = bands.find((b) => b.key === key);
    return band ? `${band.lower}-${band.upper} ${unit}` : key;
  });
}

function pie(title: string, subtitle: string, values: Array<{ band: string; value: number }>, order: string[], legendTitle: string): Record<string, unknown> {
  return {
    title: { text: title, subtitle, fontSize: 12 },
    width: 170,
    height: 170,
    data: { values: values.filter((v) => v.value > 0).map((v) => ({ ...v, order: order.indexOf(v.band) })) },
    mark: { type: 'arc', stroke: 'white', strokeWidth: 1 },
    encoding: {
      theta: { field: 'value', type: 'quantitative', stack: true },
      order: { field: 'order', type: 'quantitative' },
      color: { field: 'band', type: 'nominal', sort: order, scale: { domain: order, scheme: 'viridis' }, title: legendTitle },
    },
  };
}

/** Box plots from five-number summaries (whiskers min to max, box q1 to q3, tick at the median). */
function boxes(title: string, part: BandSummary, labels: string[]): Record<string, unknown> {
  const values = part.box.map((b, i) => ({ band: labels[i], ...b }));
  const x = { field: 'band', type: 'nominal', sort: labels, title: 'Precip intensity band', axis: { labelAngle: -35 } };
  return {
    title: { text: title, subtitle: `${part.rows} rows`, fontSize: 12 },
    width: { step: 34 },
    height: 200,
    data: { values },
    layer: [
      { mark: { type: 'rule' }, encoding: { x, y: { field: 'min', type: 'quantitative', title: 'Fraction', scale: { domain: [0, 1] } }, y2: { field: 'max' } } },
      { mark: { type: 'bar', size: 16, color: '#9ecae1', stroke: '#333', strokeWidth: 0.5 }, encoding: { x, y: { field: 'q1', type: 'quantitative' }, y2: { field: 'q3' } } },
      { mark: { type: 'tick', color: '#08306b', size: 16, thickness: 2 }, encoding: { x, y: { field: 'median', type: 'quantitative' } } },
    ],
  };
}

/**
 * The seed's data-distribution figures (AzureML notebooks, §8.5) and the rebalancing diagnostic (§4.6), from
 * `data-summary.json`: the wettest band of each row, mean fractions per band, box plots of the fractions, the
 * number of rows above each fraction level per band, and the training split's band totals before and after
 * rebalancing.
 */
export function distributionPlots(summary: DataSummary, bands: Band[], unit: string): Plot[] {
  const labels = labelsOf(summary, bands, unit);
  const plots: Plot[] = [];
  const train = summary.truth.train;
  if (!train) return plots;
  const splits = Object.keys(summary.truth);
  const pies = [
    pie('Intensity band with highest fraction', `training rows (${train.rows})`, train.wettest.map((value, i) => ({ band: labels[i], value })), labels, 'band'),
    ...splits.map((s) => pie(`Mean fraction per band`, `${SPLIT_NAMES[s] ?? s} radar`, summary.truth[s].mean.map((value, i) => ({ band: labels[i], value })), labels, 'band')),
  ];
  plots.push({ id: 'data_pies', section: 'training', group: 'Data', title: 'Band distribution of the data', spec: { hconcat: pies, resolve: { scale: { color: 'shared' } } } as unknown as TopLevelSpec, embed: 'svg' });
  const boxPanels = [boxes('Radar fractions, training', train, labels), ...(summary.nwp.validation ? [boxes('NWP probabilities, validation', summary.nwp.validation, labels)] : []), ...(summary.truth.validation ? [boxes('Radar fractions, validation', summary.truth.validation, labels)] : [])];
  plots.push({ id: 'data_boxplots', section: 'training', group: 'Data', title: 'Band fractions per split', spec: { hconcat: boxPanels } as unknown as TopLevelSpec, embed: 'svg' });
  const curve = summary.levels.flatMap((level, j) => train.above[j].map((n, i) => ({ level, band: labels[i], n })));
  plots.push({
    id: 'data_band_curves',
    section: 'training',
    group: 'Data',
    title: 'Rows above each fraction level',
    spec: {
      title: { text: 'Rows with a fraction above p, per band', subtitle: `training split, ${train.rows} rows` },
      width: 360,
      height: 240,
      data: { values: curve },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'level', type: 'quantitative', title: 'Fraction level p', scale: { type: 'log' }, axis: { format: '~g' } },
        y: { field: 'n', type: 'quantitative', title: 'Number of rows with fraction > p' },
        color: { field: 'band', type: 'nominal', sort: labels, scale: { domain: labels, scheme: 'viridis' }, title: 'band' },
      },
    } as TopLevelSpec,
    embed: 'svg',
  });
  if (summary.rebalanced) {
    const totals = (part: BandSummary, set: string) => part.mean.map((m, i) => ({ band: labels[i], set, total: m * part.rows }));
    plots.push({
      id: 'data_rebalancing',
      section: 'training',
      group: 'Data',
      title: 'Rebalancing: band totals before and after',
      spec: {
        title: { text: 'Training fractions summed per band', subtitle: `original data (${train.rows} rows) and resampled data (${summary.rebalanced.rows} rows)` },
        width: { step: 40 },
        height: 220,
        data: { values: [...totals(train, 'original data'), ...totals(summary.rebalanced, 'resampled data')] },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'band', type: 'nominal', sort: labels, title: 'Precip intensity band', axis: { labelAngle: -35 } },
          xOffset: { field: 'set', type: 'nominal' },
          y: { field: 'total', type: 'quantitative', title: 'Sum of band fractions over training rows' },
          color: { field: 'set', type: 'nominal', title: null, scale: { range: ['#1f77b4', '#ff7f0e'] } },
        },
      } as TopLevelSpec,
      embed: 'svg',
    });
  }
  return plots;
}
