import { describe, expect, it } from 'vitest';
import { bandLabel, bandsFrom } from '@prd/core';
import { BAND_SETS } from './bands.js';

describe('band sets', () => {
  it("has the seed's standard 5 bands with their labels", () => {
    expect(BAND_SETS['standard-5'].map((b) => [b.key, b.lower, b.upper])).toEqual([
      ['0.0', 0, 0.01], ['0.25', 0.01, 0.5], ['2.5', 0.5, 4], ['7.0', 4, 10], ['10.0', 10, 220],
    ]);
    expect(BAND_SETS['standard-5'].map(bandLabel)).toEqual(['0mm-0.01mm', '0.01mm-0.5mm', '0.5mm-4mm', '4mm-10mm', '10mm-220mm']);
  });

  it('has the 23 improver bands, each upper bound 1.1 x centre and lower the previous upper', () => {
    const bands = BAND_SETS['improver-23'];
    expect(bands).toHaveLength(23);
    for (let i = 1; i < bands.length; i++) expect(bands[i].lower).toBe(bands[i - 1].upper);
    for (const b of bands.slice(1)) expect(b.upper).toBeCloseTo(1.1 * Number(b.key), 9);
    expect(bands[22]).toEqual({ key: '200.0', lower: 165, upper: 220 });
  });

  it('merges the improver bands into 14 classes as fraction_model_dev.ipynb does', () => {
    const bands = BAND_SETS['improver-14'];
    expect(bands).toHaveLength(23 - 3 - 8 + 2);
    expect(bands[1]).toMatchObject({ key: '0.03_0.1', sumOf: ['0.03', '0.09', '0.1'] });
    expect(bands[13]).toMatchObject({ key: 'greater_than_25.0', sumOf: ['25.0', '30.0', '40.0', '50.0', '75.0', '100.0', '150.0', '200.0'] });
    expect(bands.map((b) => b.key).slice(2, 13)).toEqual(['0.25', '0.3', '0.5', '1.0', '2.0', '3.0', '4.0', '8.0', '12.0', '16.0', '20.0']);
  });
});

describe('bandsFrom', () => {
  it('copies a named set, so callers cannot change it', () => {
    const bands = bandsFrom('improver-14', BAND_SETS);
    bands[1].sumOf!.push('x');
    expect(BAND_SETS['improver-14'][1].sumOf).toHaveLength(3);
  });

  it('takes custom bands in ascending order and says what is wrong otherwise', () => {
    expect(bandsFrom({ dry: [0, 0.1], wet: [0.1, 50] })).toEqual([{ key: 'dry', lower: 0, upper: 0.1 }, { key: 'wet', lower: 0.1, upper: 50 }]);
    expect(() => bandsFrom({})).toThrow(/empty/);
    expect(() => bandsFrom({ a: [1, 1] })).toThrow(/lower 1 >= upper 1/);
    expect(() => bandsFrom({ a: [0, 2], b: [1, 3] })).toThrow(/starts below the end of band "a"/);
    expect(() => bandsFrom({ a: [0] })).toThrow(/two numbers/);
    expect(() => bandsFrom('standard5', BAND_SETS)).toThrow(/unknown band set "standard5"/);
  });
});
