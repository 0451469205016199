import { escapePointer } from './json-source.js';

/** Where a resolved recipe value came from. */
export type Origin =
  | { kind: 'file'; file: string; line: number; column: number }
  | { kind: 'flag'; flag: string }
  | { kind: 'default' };

/** Origins by JSON pointer. */
export type Provenance = Map<string, Origin>;

/** Describe an origin for `prd plan` and error messages. */
export function describeOrigin(origin: Origin | undefined, relativeTo?: (file: string) => string): string {
  if (!origin) return '';
  switch (origin.kind) {
    case 'file':
      return `${relativeTo ? relativeTo(origin.file) : origin.file}:${origin.line}`;
    case 'flag':
      return origin.flag;
    case 'default':
      return 'default';
  }
}

/** The origin of a pointer, or of its nearest ancestor that has one. */
export function originOf(provenance: Provenance, pointer: string): Origin | undefined {
  let p = pointer;
  for (;;) {
    const found = provenance.get(p);
    if (found) return found;
    if (p === '') return undefined;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

/** Remove the origins of a pointer and everything below it. */
export function forgetBelow(provenance: Provenance, pointer: string): void {
  for (const key of [...provenance.keys()]) {
    if (key === pointer || key.startsWith(`${pointer}/`)) provenance.delete(key);
  }
}

/** Every pointer of a JSON value (objects, arrays and leaves), depth first. */
export function* pointersOf(value: unknown, pointer = ''): Generator<string> {
  yield pointer;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* pointersOf(value[i], `${pointer}/${i}`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) yield* pointersOf(child, `${pointer}/${escapePointer(key)}`);
  }
}
