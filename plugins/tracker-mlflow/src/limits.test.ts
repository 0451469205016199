import { describe, expect, it } from 'vitest';
import { LIMITS, limitValue, metricValue, mlflowKey, planBatches, type KeyValue, type Metric } from './limits.js';

const metric = (i: number, key = 'loss'): Metric => ({ key, value: i / 10, timestamp: 1_700_000_000_000 + i, step: i });

describe('planBatches', () => {
  it('splits 2500 metrics, 150 params and 120 tags within every log-batch limit, keeping order', () => {
    const metrics = Array.from({ length: 2500 }, (_, i) => metric(i));
    const params: KeyValue[] = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
    const tags: KeyValue[] = Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: 'x' }));
    const batches = planBatches(metrics, params, tags);
    for (const b of batches) {
      expect(b.metrics.length).toBeLessThanOrEqual(1000);
      expect(b.params.length).toBeLessThanOrEqual(100);
      expect(b.tags.length).toBeLessThanOrEqual(100);
      expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(1000);
    }
    expect(batches.flatMap((b) => b.metrics)).toEqual(metrics);
    expect(batches.flatMap((b) => b.params)).toEqual(params);
    expect(batches.flatMap((b) => b.tags)).toEqual(tags);
    // 150 params need 2 batches, 120 tags 2, 2500 metrics 3; items of different kinds share batches up to 1000 in all.
    expect(batches.map((b) => [b.params.length, b.tags.length, b.metrics.length])).toEqual([
      [100, 0, 0],
      [50, 100, 0],
      [0, 20, 980],
      [0, 0, 1000],
      [0, 0, 520],
    ]);
  });

  it('keeps a request body under 1 MB when values are long', () => {
    const params = Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: 'v'.repeat(LIMITS.paramValueLength) }));
    const tags = Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: 't'.repeat(LIMITS.tagValueLength) }));
    const batches = planBatches([], params, tags);
    expect(batches.length).toBe(2);
    for (const b of batches) expect(Buffer.byteLength(JSON.stringify({ run_id: 'x'.repeat(32), ...b }))).toBeLessThan(1_000_000);
  });

  it('sends nothing for nothing', () => {
    expect(planBatches([], [], [])).toEqual([]);
  });
});

describe('mlflowKey', () => {
  it('keeps valid keys and replaces what MLflow rejects', () => {
    expect(mlflowKey('test/fss/0.5/ml')).toBe('test/fss/0.5/ml');
    expect(mlflowKey('val loss-x_1.2')).toBe('val loss-x_1.2');
    expect(mlflowKey('$schema')).toBe('_schema');
    expect(mlflowKey('fss@10mm/h')).toBe('fss_10mm/h');
    expect(mlflowKey('../up')).toBe('__/up');
    expect(mlflowKey('/lead//double/')).toBe('lead/double');
    expect(mlflowKey('')).toBe('_');
  });

  it('cuts long keys to 250 characters keeping their end', () => {
    const key = mlflowKey(`${'a'.repeat(300)}.end`);
    expect(key.length).toBe(250);
    expect(key.startsWith('~')).toBe(true);
    expect(key.endsWith('a.end')).toBe(true);
  });
});

describe('values', () => {
  it('spells non-finite metric values as MLflow parses them', () => {
    expect([metricValue(0.25), metricValue(NaN), metricValue(null), metricValue(Infinity), metricValue(-Infinity)]).toEqual([0.25, 'NaN', 'NaN', 'Infinity', '-Infinity']);
  });

  it('cuts long values to the limit and says so', () => {
    expect(limitValue('short', 10)).toBe('short');
    const cut = limitValue('x'.repeat(7000), 6000);
    expect(cut.length).toBe(6000);
    expect(cut).toMatch(/…\[\d+ more chars; see the run's artifacts\]$/);
  });
});
