import type { Issue } from '../errors.js';
import { escapePointer } from './json-source.js';
import { originOf, type Provenance } from './provenance.js';
import { urlSecrets } from './mask.js';
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

/** Variable names whose values are credentials. */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PASS|KEY|CREDENTIAL|SAS|AUTH|PRIVATE|SIGNATURE)/i;

/** Register what in an environment value is secret: all of it for a secret-looking name, else a URL's password. */
export function registerEnvSecret(name: string, value: string, secrets: Secrets): void {
  if (SECRET_NAME.test(name)) {
    secrets.add(value);
    return;
  }
  // http://user:password@host/ and ?sig= / ?token= — credentials even in an innocent-looking variable.
  for (const secret of urlSecrets(value)) secrets.add(secret);
}

/**
 * Replace `${env:NAME}` (or `${env:NAME:-default}`) in every string of a recipe. The placeholders are kept so that
 * the recipe written to disk always shows `${env:NAME}`, never the value; values that are credentials (by the
 * variable's name, or a URL's password or signature) are registered with `secrets` and never reach logs, files or
 * trackers. A string that is exactly one placeholder whose value reads as a number or boolean becomes that number or
 * boolean.
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
        registerEnvSecret(name, found, secrets);
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
