import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { Issue } from '../errors.js';
import { MAX_RECIPE_DEPTH, tooDeepAt } from './limits.js';

/** A line and column, both 1-based. */
export interface Position {
  line: number;
  column: number;
}

/** A JSON document with the position of every value, by JSON pointer. */
export interface JsonSource {
  value: unknown;
  positions: Map<string, Position>;
  /** Syntax errors, as issues with file and line. */
  issues: Issue[];
}

/** Escape one JSON-pointer token (RFC 6901). */
export function escapePointer(token: string | number): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Split a JSON pointer into its tokens. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer.slice(1).split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function positionOf(offset: number, starts: number[]): Position {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

/**
 * Parse JSON text, recording where each value starts. For an object property the position is that of its key,
 * which is where an editor should jump for "unknown key" and "wrong type" alike.
 */
export function parseJsonSource(text: string, file: string): JsonSource {
  const starts = lineStarts(text);
  const deep = tooDeepAt(text);
  if (deep >= 0) {
    const pos = positionOf(deep, starts);
    const message = `the recipe is nested more than ${MAX_RECIPE_DEPTH} levels deep; flatten it`;
    return { value: undefined, positions: new Map(), issues: [{ file, line: pos.line, column: pos.column, message }] };
  }
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const issues: Issue[] = errors.map((e) => {
    const pos = positionOf(e.offset, starts);
    return { file, line: pos.line, column: pos.column, message: `invalid JSON: ${describeParseError(printParseErrorCode(e.error))}` };
  });
  const positions = new Map<string, Position>();
  const walk = (node: Node, pointer: string, at: number): void => {
    positions.set(pointer, positionOf(at, starts));
    if (node.type === 'object') {
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (!key || !value) continue;
        walk(value, `${pointer}/${escapePointer(String(key.value))}`, key.offset);
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => walk(child, `${pointer}/${i}`, child.offset));
    }
  };
  let value: unknown = undefined;
  if (tree) {
    walk(tree, '', tree.offset);
    value = nodeValue(tree);
  }
  return { value, positions, issues };
}

function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        // defineProperty: a key "__proto__" stays an own property (reported by the loader), never the prototype.
        if (key && value) Object.defineProperty(out, String(key.value), { value: nodeValue(value), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

function describeParseError(code: string): string {
  const words: Record<string, string> = {
    CommaExpected: 'expected a comma',
    ColonExpected: 'expected a colon',
    PropertyNameExpected: 'expected a property name in double quotes',
    ValueExpected: 'expected a value',
    CloseBraceExpected: 'expected "}"',
    CloseBracketExpected: 'expected "]"',
    EndOfFileExpected: 'unexpected text after the end',
    InvalidCommentToken: 'comments are not allowed in JSON',
    UnexpectedEndOfString: 'unterminated string',
    InvalidSymbol: 'invalid symbol',
  };
  return words[code] ?? code;
}
