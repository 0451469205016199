import { describe, expect, it } from 'vitest';
import { lossOf } from './train.js';

const base = { epochs: 1, batchSize: 64 };

// D3 (issue 15): every regression notebook of the original compiled with 'mean_absolute_error' (seed §5.3).
describe('default loss', () => {
  it('is the mean absolute error for a regression target, as every regression notebook of the seed', () => {
    expect(lossOf(base, 'regression')).toBe('mae');
  });

  it('is the KL divergence for band fractions, and a recipe that names a loss gets it', () => {
    expect(lossOf(base, 'bands')).toBe('kl-divergence');
    expect(lossOf({ ...base, loss: 'mse' }, 'regression')).toBe('mse');
    expect(lossOf(base, 'binary')).toBe('binary-crossentropy');
  });
});
