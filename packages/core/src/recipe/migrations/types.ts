/** One change a migration makes to a recipe, addressed by JSON pointer. */
export type MigrationEdit =
  /** Give the key at `pointer` a new name, keeping its value and everything around it. */
  | { pointer: string; rename: string }
  /** Replace the value at `pointer`. */
  | { pointer: string; value: unknown }
  /** Remove the key (or array item) at `pointer`. */
  | { pointer: string; remove: true };

/**
 * A named, tested change of the recipe format: given a recipe (plain JSON, as written), the edits that bring it to
 * format `to`. It must find nothing to do in a recipe that is already migrated, so it can run on any recipe.
 */
export interface RecipeMigration {
  /** Short, stable name, shown by `prd migrate` and in warnings. */
  name: string;
  /** The recipe format version this migration belongs to. */
  to: number;
  /** One sentence: what changed and why. */
  description: string;
  edits(recipe: Record<string, unknown>): MigrationEdit[];
}

/**
 * A change of one plugin's options, declared by the plugin (`migrations` on its definition). `edits` receives the
 * options of one `{ use, with }` reference; its pointers are relative to that `with`.
 */
export interface OptionMigration {
  name: string;
  description: string;
  edits(options: Record<string, unknown>): MigrationEdit[];
}
