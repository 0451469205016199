import type { Issue } from '../errors.js';

/** One JSON-pointer token (RFC 6901); json-source.ts has the same, but imports this file. */
const escapePointer = (token: string): string => token.replaceAll('~', '~0').replaceAll('/', '~1');

/** How deeply objects and lists may nest in a recipe file; real recipes use about 6 levels. */
export const MAX_RECIPE_DEPTH = 64;

/** How many files an `extends` chain may hold, the asked-for file included. */
export const MAX_EXTENDS_CHAIN = 64;

/** Keys that would reach an object's prototype when assigned; never allowed in a recipe or a `--set` path. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Problems in a recipe value that JSON allows but a recipe must not hold: prototype keys. */
export function forbiddenKeyIssues(value: unknown, pointer = ''): Issue[] {
  const issues: Issue[] = [];
  const visit = (node: unknown, at: string): void => {
    if (Array.isArray(node)) node.forEach((item, i) => visit(item, `${at}/${i}`));
    else if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node)) {
        const child = `${at}/${escapePointer(key)}`;
        if (FORBIDDEN_KEYS.has(key)) issues.push({ pointer: child, message: `the key "${key}" is not allowed in a recipe (it would reach JavaScript's object prototype); rename or remove it` });
        else visit((node as Record<string, unknown>)[key], child);
      }
    }
  };
  visit(value, pointer);
  return issues;
}

/**
 * Numbers a recipe must not hold: JSON has no Infinity or NaN, but `1e999` parses as Infinity, and integer checks
 * accept it (an `epochs` of Infinity trains for ever and saves as `null`).
 */
export function nonFiniteIssues(value: unknown, pointer = ''): Issue[] {
  const issues: Issue[] = [];
  const visit = (node: unknown, at: string): void => {
    if (typeof node === 'number' && !Number.isFinite(node)) {
      issues.push({ pointer: at, message: `${String(node)} is not a finite number (a number this large reads as infinity); write a number below 1.8e308` });
    } else if (Array.isArray(node)) node.forEach((item, i) => visit(item, `${at}/${i}`));
    else if (node !== null && typeof node === 'object') for (const [key, child] of Object.entries(node)) visit(child, `${at}/${escapePointer(key)}`);
  };
  visit(value, pointer);
  return issues;
}

/**
 * The offset at which JSON text nests deeper than `limit` (outside strings), or -1. A linear scan, run before the
 * recursive parser so that hostile nesting cannot overflow the stack.
 */
export function tooDeepAt(text: string, limit = MAX_RECIPE_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return i;
    } else if (c === 93 || c === 125) depth--;
  }
  return -1;
}
