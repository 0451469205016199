import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import type { Issue } from '../errors.js';
import { closest } from '../suggest.js';
import { pointerTokens } from './json-source.js';
import { originOf, type Provenance } from './provenance.js';

/** A compiled recipe validator: checks a recipe, fills defaults, and explains every problem. */
export class RecipeValidator {
  private readonly validateFn: ValidateFunction;

  constructor(readonly schema: TSchema) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, discriminator: true, strict: false, verbose: true });
    this.validateFn = ajv.compile(JSON.parse(JSON.stringify(schema)) as object);
  }

  /** Validate `value` in place (defaults are filled in) and return the problems, located with `provenance`. */
  validate(value: Record<string, unknown>, provenance: Provenance): Issue[] {
    if (this.validateFn(value)) return [];
    return explainErrors(this.validateFn.errors ?? [], value, provenance);
  }
}

function valueAt(root: unknown, pointer: string): unknown {
  let node: unknown = root;
  for (const token of pointerTokens(pointer)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function locate(issue: Issue, provenance: Provenance, at = issue.pointer ?? ''): Issue {
  const origin = originOf(provenance, at);
  if (origin?.kind === 'file') return { ...issue, file: origin.file, line: origin.line, column: origin.column };
  if (origin?.kind === 'flag') return { ...issue, origin: origin.flag };
  return issue;
}

/** Allowed constant values of a union schema, if every branch is a constant. */
function constantsOf(branches: unknown): unknown[] | undefined {
  if (!Array.isArray(branches)) return undefined;
  const values: unknown[] = [];
  for (const branch of branches as Array<Record<string, unknown>>) {
    if ('const' in branch) values.push(branch.const);
    else if (Array.isArray(branch.enum)) values.push(...(branch.enum as unknown[]));
    else return undefined;
  }
  return values;
}

/** Turn ajv errors into one issue per real problem, with pointer, file, line and the closest valid word. */
export function explainErrors(errors: ErrorObject[], value: unknown, provenance: Provenance): Issue[] {
  // Errors under a failed anyOf are noise: the anyOf error is explained once, from its branches.
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  const underUnion = (e: ErrorObject): boolean =>
    unions.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`) && e.instancePath.startsWith(u.instancePath));
  const issues: Issue[] = [];
  const seen = new Set<string>();
  const push = (issue: Issue, at?: string): void => {
    const key = `${issue.pointer}|${issue.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    issues.push(locate(issue, provenance, at));
  };
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && underUnion(error)) continue;
    const pointer = error.instancePath;
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        const known = Object.keys((error.parentSchema as { properties?: Record<string, unknown> })?.properties ?? {});
        const suggestion = closest(key, known);
        push({
          pointer: `${pointer}/${key}`,
          message: `unknown key "${key}"${suggestion ? `; did you mean "${suggestion}"?` : ''}${known.length > 0 && !suggestion ? ` (allowed: ${known.join(', ')})` : ''}`,
          suggestion,
        });
        break;
      }
      case 'required': {
        const key = String(params.missingProperty);
        push({ pointer: `${pointer}/${key}`, message: `missing required key "${key}"` }, pointer);
        break;
      }
      case 'type': {
        const actual = valueAt(value, pointer);
        const quoted = typeof actual === 'string' && actual.trim() !== '' && !Number.isNaN(Number(actual)) && /number|integer/.test(String(params.type));
        push({
          pointer,
          message: `expected ${String(params.type)}, got ${describeValue(actual)}${quoted ? `; write ${actual} without quotes` : ''}`,
        });
        break;
      }
      case 'discriminator': {
        const schema = error.parentSchema as { oneOf?: Array<{ properties?: { use?: { const?: string } } }>; 'x-prd-kind'?: string };
        const names = (schema.oneOf ?? []).map((b) => b.properties?.use?.const).filter((n): n is string => typeof n === 'string');
        const kind = schema['x-prd-kind'] ?? 'plugin';
        if (params.error === 'mapping') {
          const used = String(params.tagValue);
          const suggestion = closest(used, names);
          push({
            pointer: `${pointer}/use`,
            message: `unknown ${kind} plugin "${used}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (installed: ${names.join(', ')})`,
            suggestion,
          });
        } else {
          push({ pointer: `${pointer}/use`, message: `"use" must name a ${kind} plugin (installed: ${names.join(', ')})` }, pointer);
        }
        break;
      }
      case 'anyOf': {
        const actual = valueAt(value, pointer);
        const constants = constantsOf(error.schema);
        if (constants) {
          const words = constants.map((c) => JSON.stringify(c));
          const suggestion = typeof actual === 'string' ? closest(actual, constants.filter((c): c is string => typeof c === 'string')) : undefined;
          push({ pointer, message: `${describeValue(actual)} is not allowed${suggestion ? `; did you mean "${suggestion}"?` : ''} (allowed: ${words.join(', ')})`, suggestion });
        } else {
          const branchErrors = errors.filter((e) => e !== error && e.schemaPath.startsWith(`${error.schemaPath}/`) && e.keyword !== 'anyOf');
          const first = branchErrors.find((e) => e.instancePath !== pointer) ?? branchErrors[0];
          const detail = first ? `: ${first.instancePath !== pointer ? `${first.instancePath} ` : ''}${first.message ?? ''}` : '';
          push({ pointer, message: `${describeValue(actual)} does not match any allowed form${detail}` });
        }
        break;
      }
      case 'oneOf':
        // Only slot unions use oneOf, with a discriminator that reports the real problem.
        if (!errors.some((e) => e.keyword === 'discriminator' && e.instancePath === pointer)) {
          push({ pointer, message: error.message ?? 'does not match' });
        }
        break;
      case 'minProperties':
      case 'maxProperties': {
        const props = Object.keys((error.parentSchema as { properties?: Record<string, unknown> })?.properties ?? {});
        push({ pointer, message: `set exactly one of ${props.map((p) => `"${p}"`).join(', ')}` });
        break;
      }
      case 'enum': {
        const allowed = (params.allowedValues as unknown[]) ?? [];
        const actual = valueAt(value, pointer);
        const suggestion = typeof actual === 'string' ? closest(actual, allowed.filter((a): a is string => typeof a === 'string')) : undefined;
        push({ pointer, message: `${describeValue(actual)} is not allowed${suggestion ? `; did you mean "${suggestion}"?` : ''} (allowed: ${allowed.map((a) => JSON.stringify(a)).join(', ')})`, suggestion });
        break;
      }
      case 'const':
        push({ pointer, message: `must be ${JSON.stringify(params.allowedValue)}` });
        break;
      default:
        push({ pointer, message: `${error.message ?? 'is not valid'} (got ${describeValue(valueAt(value, pointer))})` });
    }
  }
  return issues;
}

