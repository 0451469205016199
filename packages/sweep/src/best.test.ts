import { describe, expect, it } from 'vitest';
import { bestRecipe } from './best.js';

describe('bestRecipe', () => {
  const display = {
    $schema: './recipe.schema.json',
    name: 'r',
    train: { epochs: 6, batchSize: 64, optimizer: { adam: { learningRate: 0.01 } } },
    track: [{ use: 'mlflow', with: { uri: '${env:MLFLOW_TRACKING_URI}' } }],
    sweep: { space: {}, limits: { trials: 12 } },
  };

  it('extends the sweep recipe, turns the sweep off and sets the trial values (lists replaced whole)', () => {
    const out = bestRecipe({
      recipeFile: '/w/recipes/r.json',
      display,
      set: ['train.epochs=4', 'sweep.limits.trials=3'],
      params: { 'train.optimizer.adam.learningRate': 0.02, 'track.0.with.experiment': 'x' },
      outFile: '/w/runs/sweeps/s1/best-recipe.json',
      name: 'r-best',
    });
    expect(out).toEqual({
      $schema: '../../../recipes/recipe.schema.json',
      extends: '../../../recipes/r.json',
      name: 'r-best',
      train: { epochs: 4, optimizer: { adam: { learningRate: 0.02 } } },
      track: [{ use: 'mlflow', with: { uri: '${env:MLFLOW_TRACKING_URI}', experiment: 'x' } }],
      sweep: null,
    });
  });
});
