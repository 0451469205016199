import type { Issue } from '../errors.js';
import { escapePointer } from './json-source.js';
import { originOf, type Provenance } from './provenance.js';
import type { Secrets } from './secrets.js';

const PLACEHOLDER = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_PLACEHOLDER = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

/** The recipe with `${env:NAME}` placeholders replaced, and where the placeholders were. */
export interface Interpolated {
  value: Record<string, unknown>;
  /** Pointer -> the text as written (with placeholders), for every value that had one. */
  placeholders: Map<string, string>;
  issues: Issue[];
}

/**
 * Replace `${env:NAME}` (or `${env:NAME:-default}`) in every string of a recipe. Values read from the environment
 * are secrets: they are registered with `secrets`, and the placeholders are kept so that the recipe written to
 * disk shows `${env:NAME}`, never the value. A string that is exactly one placeholder whose value reads as a
 * number or boolean becomes that number or boolean.
 */
export function interpolateEnv(recipe: Record<string, unknown>, provenance: Provenance, env: NodeJS.ProcessEnv, secrets: Secrets): Interpolated {
  const placeholders = new Map<string, string>();
  const issues: Issue[] = [];
  const visit = (value: unknown, pointer: string): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('${env:')) return value;
      placeholders.set(pointer, value);
      let missing = false;
      const replaced = value.replace(PLACEHOLDER, (_, name: string, fallback: string | undefined) => {
        const found = env[name];
        if (found === undefined || found === '') {
          if (fallback !== undefined) return fallback;
          missing = true;
          const origin = originOf(provenance, pointer);
          issues.push({
            pointer,
            file: origin?.kind === 'file' ? origin.file : undefined,
            line: origin?.kind === 'file' ? origin.line : undefined,
            column: origin?.kind === 'file' ? origin.column : undefined,
            message: `environment variable ${name} is not set; export it, or write \${env:${name}:-default}`,
          });
          return '';
        }
        secrets.add(found);
        return found;
      });
      if (missing) return value;
      if (WHOLE_PLACEHOLDER.test(value)) {
        if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(replaced)) return Number(replaced);
        if (replaced === 'true' || replaced === 'false') return replaced === 'true';
      }
      return replaced;
    }
    if (Array.isArray(value)) return value.map((item, i) => visit(item, `${pointer}/${i}`));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) out[key] = visit(child, `${pointer}/${escapePointer(key)}`);
      return out;
    }
    return value;
  };
  return { value: visit(recipe, '') as Record<string, unknown>, placeholders, issues };
}
