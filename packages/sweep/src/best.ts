import { writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { applyOverride, overridePath } from '@prd/core';
import { setAssignments, type Params } from './space.js';

/**
 * The best trial as a runnable recipe: it `extends` the sweep's recipe (so relative paths and placeholders stay
 * as written), turns the sweep off, and sets the trial's values (and the sweep's --set flags). A value inside a
 * list replaces the whole list, as `extends` merges objects but replaces lists.
 */
export function bestRecipe(options: { recipeFile: string; display: Record<string, unknown>; set: string[]; params: Params; outFile: string; name: string }): Record<string, unknown> {
  const applied = structuredClone(options.display);
  const assignments = [...options.set, ...setAssignments(options.params)];
  for (const a of assignments) applyOverride(applied, new Map(), a);
  const out: Record<string, unknown> = {};
  const schema = options.display.$schema;
  if (typeof schema === 'string' && !/^[a-z]+:/i.test(schema)) {
    const absolute = isAbsolute(schema) ? schema : resolve(dirname(options.recipeFile), schema);
    out.$schema = relative(dirname(options.outFile), absolute).split('\\').join('/');
  }
  out.extends = relative(dirname(options.outFile), options.recipeFile).split('\\').join('/');
  out.name = options.name;
  for (const a of assignments) {
    const keys = overridePath(a.slice(0, a.indexOf('=')));
    if (keys[0] === 'sweep') continue;
    // Copy the value at the path, or the first list on the way to it, from the recipe with everything applied.
    let node: unknown = applied;
    let target = out;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const next = (node as Record<string, unknown>)[key];
      if (i === keys.length - 1 || Array.isArray(next)) {
        target[key] = structuredClone(next);
        break;
      }
      target = (target[key] ??= {}) as Record<string, unknown>;
      node = next;
    }
  }
  out.sweep = null;
  return out;
}

/** Write the best trial's recipe to `<sweepDir>/best-recipe.json`; returns the file. */
export function writeBestRecipe(sweepDir: string, options: Omit<Parameters<typeof bestRecipe>[0], 'outFile'>): string {
  const outFile = join(sweepDir, 'best-recipe.json');
  writeFileSync(outFile, `${JSON.stringify(bestRecipe({ ...options, outFile }), null, 2)}\n`);
  return outFile;
}
