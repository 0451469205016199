import { describe, expect, it } from 'vitest';
import { lossOf } from './train.js';

// D3 (issue 15): every regression notebook of the original compiled with 'mean_absolute_error' (seed §5.3).
describe('default loss', () => {
  it('is the mean absolute error for a regression target, as every regression notebook of the seed', () => {
    expect(lossOf({}, 'regression')).toBe('mae');
  });

  it('is the KL divergence for band fractions, and a recipe that names a loss gets it', () => {
    expect(lossOf({}, 'bands')).toBe('kl-divergence');
    expect(lossOf({ loss: 'mse' }, 'regression')).toBe('mse');
  });
});
