import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prd, RECIPES, workDir } from '../test/cli.js';
import type { ExplainSummary } from './explain.js';
import type { RunSummary } from './run.js';

// Every recipe of recipes/ validates, and each local one runs end to end on small synthetic data in the seed's
// merged-CSV layout under data/ beside the recipe (as recipes/README.md tells a user to make it), one epoch.

const recipes = readdirSync(RECIPES).filter((f) => f.endsWith('.json') && f !== 'recipe.schema.json');
/** Plots each notebook's recipe must put in its report (ids, or id prefixes ending in "*"). */
const FIGURES: Record<string, string[]> = {
  'fraction-model.json': ['learning_loss', 'data_pies', 'data_boxplots', 'data_band_curves', 'bars_test_fss', 'bars_test_frequency_bias', 'cells_test_fss_*', 'map_ml_*', 'map_nwp_*', 'stamps_ml_*', 'location_members'],
  'fraction-model-rebalanced.json': ['data_rebalancing', 'bars_test_fss', 'map_ml_*'],
  'test-scenarios-by-event.json': ['bars_test_fss', 'bars_test_fss_ensemble_mean', 'bars_test_fss_control', 'cells_test_fss_*'],
  'xai.json': ['importance_permutation', 'importance_multipass_forward', 'importance_multipass_backward', 'importance_per_height', 'saliency_gradcam_*', 'filters_first_layer'],
  'fraction-model-l2.json': ['learning_loss', 'bars_test_fss', 'map_ml_*'],
  'binary-rain.json': ['learning_loss', 'binary_scores', 'binary_roc', 'binary_precision_recall', 'importance_permutation'],
  'regression-mean-rain.json': ['learning_loss', 'bars_test_scores', 'regression_scatter', 'regression_histogram', 'importance_permutation', 'importance_per_height'],
};
const fast = ['--set', 'train.epochs=1', '--json', '--progress', 'none'];

describe('recipes/', () => {
  let dir: string;
  const runDirs: Record<string, string> = {};
  beforeAll(() => {
    dir = workDir();
    for (const file of readdirSync(RECIPES)) if (file.endsWith('.json')) copyFileSync(join(RECIPES, file), join(dir, file));
    const synth = prd(['data', 'synth', '--out', 'data', '--event-names', '202002_storm_ciara,202002_storm_dennis,2022_storm_eunice_franklin', '--times', '2', '--cells', '40', '--members', '4', '--json'], dir);
    expect(synth.status, synth.stderr).toBe(0);
  }, 120_000);

  // The quickstart, the cluster run and the sweep are not notebooks of the seed; each has tests of its own
  // (run.test, the AzureML tests, the sweep tests, backend-azureml's sweep.integration.test).
  const NOT_NOTEBOOKS = ['quickstart.json', 'azureml-quickstart.json', 'hyperdrive-original.json', 'azureml-hyperdrive.json'];

  it('has one recipe per notebook of the seed, each with its figures listed here', () => {
    expect(recipes.filter((r) => !NOT_NOTEBOOKS.includes(r)).sort()).toEqual(Object.keys(FIGURES).sort());
  });

  it.each(recipes)('%s validates', (recipe) => {
    const result = prd(['validate', recipe], dir);
    expect(result.status, result.stderr).toBe(0);
  });

  it.each(Object.keys(FIGURES))('%s runs end to end on synthetic CSVs under data/ and its report has the notebook\'s figures', { timeout: 600_000 }, (recipe) => {
    const extra = ['xai.json', 'regression-mean-rain.json', 'binary-rain.json'].includes(recipe) ? ['--set', 'explain.0.with.repeats=1', '--set', 'explain.0.with.maxRows=200'] : [];
    const result = prd(['run', recipe, ...fast, ...extra], dir);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.status).toBe('FINISHED');
    runDirs[recipe] = summary.runDir;
    const plots = readdirSync(join(summary.runDir, 'plots')).filter((f) => f.endsWith('.svg')).map((f) => f.slice(0, -4));
    for (const figure of FIGURES[recipe]) {
      const found = figure.endsWith('*') ? plots.some((p) => p.startsWith(figure.slice(0, -1))) : plots.includes(figure);
      expect(found, `${recipe}: figure ${figure} in ${plots.join(', ')}`).toBe(true);
    }
    expect(existsSync(join(summary.runDir, 'report.html'))).toBe(true);
  });

  it('prd explain runs the XAI recipe\'s explainers on its trained model and an unseen event, without retraining', { timeout: 600_000 }, () => {
    expect(runDirs['xai.json'], 'the xai recipe ran').toBeDefined();
    const result = prd(['explain', '--model', runDirs['xai.json'], '--data', 'data/2022_storm_eunice_franklin/prd_merged_*.csv', '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as ExplainSummary;
    // No training filters: every row of the event (2 times x 40 cells x 4 members) is explained.
    expect(summary.rows).toBe(2 * 40 * 4);
    expect(Object.keys(summary.explanations)).toEqual(['permutation-importance', 'saliency', 'filters']);
    const plots = readdirSync(join(summary.runDir, 'plots'));
    for (const plot of ['importance_permutation.svg', 'importance_multipass_backward.svg', 'importance_per_height.svg', 'filters_first_layer.svg']) expect(plots).toContain(plot);
    expect(existsSync(join(summary.runDir, 'report.html'))).toBe(true);
  });

  it('prd explain says what to do when a model comes without explainers', () => {
    const result = prd(['explain', '--model', runDirs['fraction-model.json'], '--data', 'data/2022_storm_eunice_franklin/prd_merged_*.csv', '--no-report'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/the training recipe has no "explain" block; name explainers with --explainer/);
  });
});
