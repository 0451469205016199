import { PrdError } from '../errors.js';
import { escapePointer } from './json-source.js';
import { FORBIDDEN_KEYS } from './limits.js';
import { forgetBelow, pointersOf, type Provenance } from './provenance.js';

/** Split `train.optimizer.adam.learningRate` or `track[0].with.uri` into keys. */
export function overridePath(path: string): string[] {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((part) => part.length > 0);
}

/** Parse the value of a `--set`: JSON when it parses (numbers, booleans, arrays, objects), else the raw text. */
export function overrideValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Apply one `--set path=value` to a recipe value, recording the flag as the origin of what it set. */
export function applyOverride(recipe: Record<string, unknown>, provenance: Provenance, assignment: string): void {
  const flag = `--set ${assignment}`;
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw PrdError.of({ origin: flag, message: 'expected --set path=value, for example --set train.epochs=3' });
  const keys = overridePath(assignment.slice(0, eq).trim());
  const forbidden = keys.find((k) => FORBIDDEN_KEYS.has(k));
  if (forbidden) throw PrdError.of({ origin: flag, message: `"${forbidden}" cannot be part of a --set path (it would reach JavaScript's object prototype)` });
  if (keys.length === 0) throw PrdError.of({ origin: flag, message: 'expected --set path=value, for example --set train.epochs=3' });
  const value = overrideValue(assignment.slice(eq + 1));
  let node: Record<string, unknown> | unknown[] = recipe;
  let pointer = '';
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i];
    pointer += `/${escapePointer(key)}`;
    // Own properties only: an inherited one (a method of Object.prototype) is not part of the recipe.
    const next: unknown = Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
    if (next === undefined || next === null) {
      const created = /^\d+$/.test(keys[i + 1]) ? [] : {};
      (node as Record<string, unknown>)[key] = created;
      provenance.set(pointer, { kind: 'flag', flag });
      node = created;
    } else if (typeof next === 'object') {
      node = next as Record<string, unknown>;
    } else {
      throw PrdError.of({ origin: flag, pointer, message: `cannot set inside "${keys.slice(0, i + 1).join('.')}", which is ${JSON.stringify(next)}, not an object` });
    }
  }
  const last = keys[keys.length - 1];
  if (Array.isArray(node) && !/^\d+$/.test(last)) {
    throw PrdError.of({ origin: flag, pointer, message: `"${keys.slice(0, -1).join('.')}" is a list; use a number index such as ${keys.slice(0, -1).join('.')}.0` });
  }
  (node as Record<string, unknown>)[last] = value;
  const target = `${pointer}/${escapePointer(last)}`;
  forgetBelow(provenance, target);
  for (const p of pointersOf(value, target)) provenance.set(p, { kind: 'flag', flag });
}
