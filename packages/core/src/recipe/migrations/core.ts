import type { MigrationEdit, RecipeMigration } from './types.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Format 2: `train.earlyStopping.restoreBest` is `restoreBestWeights`, Keras' name for it (`restore_best_weights`). */
const restoreBestWeights: RecipeMigration = {
  name: 'early-stopping-restore-best-weights',
  to: 2,
  description: 'train.earlyStopping.restoreBest is now restoreBestWeights (the name Keras users know)',
  edits(recipe) {
    const train = recipe.train;
    if (!isObject(train) || !isObject(train.earlyStopping) || !('restoreBest' in train.earlyStopping)) return [];
    const edits: MigrationEdit[] = [{ pointer: '/train/earlyStopping/restoreBest', rename: 'restoreBestWeights' }];
    return edits;
  },
};

/** Every migration of the core recipe format, oldest first. */
export const CORE_MIGRATIONS: readonly RecipeMigration[] = [restoreBestWeights];

/** The recipe format this prd writes and reads natively; older formats are migrated as they are read. */
export const RECIPE_FORMAT = Math.max(1, ...CORE_MIGRATIONS.map((m) => m.to));
