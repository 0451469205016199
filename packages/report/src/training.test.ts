import { describe, expect, it } from 'vitest';
import { lowestEpoch } from './html.js';

describe('the training table', () => {
  it('finds the epoch of the lowest val_loss when it was lowest before the last epoch (issue 18 point 8)', () => {
    const history = [
      { epoch: 1, loss: 0.9, val_loss: 0.8 },
      { epoch: 2, loss: 0.7, val_loss: 0.6 },
      { epoch: 3, loss: 0.6, val_loss: 0.65 },
      { epoch: 4, loss: 0.5, val_loss: 0.7 },
    ];
    expect(lowestEpoch(history, 'val_loss')).toEqual({ epoch: 2, value: 0.6 });
    expect(lowestEpoch(history, 'loss')).toEqual({ epoch: 4, value: 0.5 });
    expect(lowestEpoch([], 'val_loss')).toBeUndefined();
  });
});
