import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrdError } from '../errors.js';
import { tempDir } from '../test-support/plugins.js';
import { loadRecipe } from './load.js';
import { applyOverride } from './overrides.js';

/**
 * Property-based fuzzing of the recipe loader and the --set parser: every input gives a result or a PrdError, never
 * another exception, a hang or a polluted Object.prototype. Bounded: a fixed number of runs and a time limit.
 * Reproduce a failure with FUZZ_SEED=<seed printed by fast-check>.
 */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

/** Object.prototype as it was before the fuzzing: nothing added, nothing replaced. */
function prototypeIntact(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
  expect(typeof Object.prototype.toString).toBe('function');
}

const SETTINGS = { seed: Number(process.env.FUZZ_SEED ?? 20261202), numRuns: 300, interruptAfterTimeLimit: 4000 };

function outcome(run: () => unknown): 'ok' | 'error' {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof PrdError) return 'error';
    throw error;
  }
}

/** Text that is JSON, nearly JSON, or JSON with the hostile parts a recipe can hold. */
const recipeText = fc.oneof(
  fc.json({ maxDepth: 6 }),
  fc.json({ maxDepth: 3 }).map((t) => t.slice(0, Math.max(0, t.length - 1))),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.integer({ min: 1, max: 5000 }).map((n) => `{"a": ${'['.repeat(n)}${']'.repeat(n % 3 === 0 ? n : 0)}}`),
  fc.constantFrom('{"epochs": 1e999}', '{"__proto__": {"x": 1}}', '{"a": {"constructor": {"prototype": {"x": 1}}}}', '{"extends": 5}', '{"extends": ["./nope.json"]}', '{"extends": "./self.json"}', '[]', 'null', '"x"'),
  fc.dictionary(fc.constantFrom('name', 'seed', 'train', 'extends', '__proto__', 'constructor', 'x'), fc.jsonValue({ maxDepth: 4 })).map((o) => JSON.stringify(o)),
);

describe('fuzz: recipe loader and --set (issue 16)', () => {
  it('loads any recipe text or reports a PrdError', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'self.json'), '{"extends": "./self.json"}');
    let i = 0;
    fc.assert(
      fc.property(recipeText, (text) => {
        const file = join(dir, `r${i++}.json`);
        writeFileSync(file, text);
        outcome(() => loadRecipe(file));
        prototypeIntact();
      }),
      SETTINGS,
    );
  });

  it('applies any --set or reports a PrdError, and never reaches Object.prototype', () => {
    const segment = fc.oneof(fc.constantFrom('train', 'epochs', '__proto__', 'constructor', 'prototype', '0', '[0]', '[1]', 'toString', 'hasOwnProperty', ''), fc.string({ maxLength: 6 }));
    const path = fc.array(segment, { minLength: 0, maxLength: 5 }).map((parts) => parts.join('.'));
    const value = fc.oneof(fc.json({ maxDepth: 2 }), fc.string({ maxLength: 10 }), fc.constantFrom('1e999', '-1e999', 'NaN', '{"__proto__": {"x": 1}}'));
    fc.assert(
      fc.property(path, value, fc.boolean(), (p, v, withEq) => {
        const recipe: Record<string, unknown> = { train: { epochs: 1, list: [1, 2] }, name: 'x' };
        outcome(() => applyOverride(recipe, new Map(), withEq ? `${p}=${v}` : p));
        prototypeIntact();
      }),
      SETTINGS,
    );
  });
});
