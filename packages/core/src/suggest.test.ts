import { describe, expect, it } from 'vitest';
import { closest } from './suggest.js';

describe('closest', () => {
  it('suggests near words and prefixes, and nothing for unrelated words', () => {
    expect(closest('epoch', ['epochs', 'batchSize'])).toBe('epochs');
    expect(closest('csvv', ['csv', 'synthetic'])).toBe('csv');
    expect(closest('Epochs', ['epochs'])).toBe('epochs');
    expect(closest('epochs', ['epochs'])).toBeUndefined();
    expect(closest('cvs', ['csv', 'synthetic'])).toBe('csv');
    expect(closest('optimiser', ['optimizer', 'loss'])).toBe('optimizer');
    expect(closest('banana', ['epochs', 'loss'])).toBeUndefined();
  });
});
