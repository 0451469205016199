import type { Band } from '@prd/core';

/** Band sets by name, as the seed defines them (seed-pipeline.md §1.6). */
export const BAND_SETS: Readonly<Record<string, readonly Band[]>> = {
  'standard-5': [
    { key: '0.0', lower: 0, upper: 0.01 },
    { key: '0.25', lower: 0.01, upper: 0.5 },
    { key: '2.5', lower: 0.5, upper: 4 },
    { key: '7.0', lower: 4, upper: 10 },
    { key: '10.0', lower: 10, upper: 220 },
  ],
  'improver-23': improverBands(),
  'improver-14': improverMerged(),
};

function improverBands(): Band[] {
  const centres: Array<[string, number, number]> = [
    ['0.0', 0.0, 0.027], ['0.03', 0.027, 0.033], ['0.09', 0.033, 0.099], ['0.1', 0.099, 0.11],
    ['0.25', 0.11, 0.275], ['0.3', 0.275, 0.33], ['0.5', 0.33, 0.55], ['1.0', 0.55, 1.1],
    ['2.0', 1.1, 2.2], ['3.0', 2.2, 3.3], ['4.0', 3.3, 4.4], ['8.0', 4.4, 8.8],
    ['12.0', 8.8, 13.2], ['16.0', 13.2, 17.6], ['20.0', 17.6, 22.0], ['25.0', 22.0, 27.5],
    ['30.0', 27.5, 33.0], ['40.0', 33.0, 44.0], ['50.0', 44.0, 55.0], ['75.0', 55.0, 82.5],
    ['100.0', 82.5, 110.0], ['150.0', 110.0, 165.0], ['200.0', 165.0, 220.0],
  ];
  return centres.map(([key, lower, upper]) => ({ key, lower, upper }));
}

// The seed's 14-class merge of the 23 improver bands (fraction_model_dev.ipynb): 0.03+0.09+0.1 become one
// class at position 1, and everything from 25 upwards becomes one class at the end.
function improverMerged(): Band[] {
  const all = improverBands();
  const low = ['0.03', '0.09', '0.1'];
  const high = ['25.0', '30.0', '40.0', '50.0', '75.0', '100.0', '150.0', '200.0'];
  const kept = all.filter((b) => !low.includes(b.key) && !high.includes(b.key));
  return [
    kept[0],
    { key: '0.03_0.1', lower: 0.027, upper: 0.11, sumOf: low },
    ...kept.slice(1),
    { key: 'greater_than_25.0', lower: 22.0, upper: 220.0, sumOf: high },
  ];
}

/** Band set names a recipe may use. */
export const BAND_SET_NAMES = Object.keys(BAND_SETS);

