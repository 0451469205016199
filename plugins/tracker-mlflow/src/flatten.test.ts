import { describe, expect, it } from 'vitest';
import { flattenMetrics, recipeParams } from './flatten.js';
import { SAMPLE_METRICS, sampleRecipe } from './test/run-fixture.js';

describe('recipeParams', () => {
  it('flattens a recipe into dotted params, arrays of values as JSON, arrays of objects by index', () => {
    const params = recipeParams(sampleRecipe('quick', 'prd-model'));
    expect(params).toMatchObject({
      name: 'quick',
      seed: '42',
      'data.source.use': 'synthetic',
      'data.source.with.rows': '2000',
      'data.features.profile': '["relative_humidity","air_temperature"]',
      'data.features.target.bands': 'standard-5',
      'data.transforms.0.use': 'drop-missing',
      'data.transforms.1.with.below': '50',
      'train.optimizer.adam.learningRate': '0.001',
      'track.0.with.registerAs': 'prd-model',
      // Secrets stay placeholders: the recipe a tracker gets never holds their values.
      'track.0.with.token': '${env:MLFLOW_TRACKING_TOKEN}',
    });
    expect(Object.keys(params)).not.toContain('$schema');
    // name, seed, 2 source, 3 features, 4 transforms, 3 split, 3 model, 5 train, 5 track.
    expect(Object.keys(params).length).toBe(26);
  });

  it('keeps keys unique after making them valid', () => {
    expect(recipeParams({ a: { 'b$': 1, 'b%': 2 } })).toEqual({ 'a.b_': '1', 'a.b__2': '2' });
  });
});

describe('flattenMetrics', () => {
  it('joins the tree with "/" into valid keys and keeps undefined scores as null', () => {
    const flat = flattenMetrics(SAMPLE_METRICS);
    expect(flat).toEqual([
      { key: 'test/fss/2/ml', value: 0.33 },
      { key: 'test/fss/2/nwp', value: null },
      { key: 'test/fss/0.5/ml', value: 0.61 },
      { key: 'test/fss/0.5/nwp', value: 0.42 },
      { key: 'test/fss/10 mm_h/ml', value: 0.05 },
      { key: 'test/fss/10 mm_h/nwp', value: 0.01 },
      { key: 'test/frequency_bias/0.5/ml', value: 1.02 },
      { key: 'test/frequency_bias/0.5/nwp', value: 1.4 },
      { key: 'validation/mae/ml', value: 0.12 },
      { key: 'validation/mae/nwp', value: 0.2 },
    ]);
  });
});
