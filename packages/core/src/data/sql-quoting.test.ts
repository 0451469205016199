import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataEngine, ident, literal } from './engine.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Every non-test TypeScript source file of the packages and plugins. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        if (entry !== 'node_modules' && entry !== 'dist') walk(path);
      } else if (path.endsWith('.ts') && !/\.(test|test-helper|fixture)\.ts$/.test(path) && !path.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const group of ['packages', 'plugins']) {
    for (const name of readdirSync(join(root, group))) {
      const src = join(root, group, name, 'src');
      if (statSync(join(root, group, name)).isDirectory() && readdirSync(join(root, group, name)).includes('src')) walk(src);
    }
  }
  return out;
}

const SQL = /\b(SELECT|FROM|WHERE|CAST|COPY|GROUP BY|ORDER BY|read_csv|read_parquet|max\(|min\()/;

describe('one quoting path for SQL (issue 16)', () => {
  it('no source file quotes SQL names or values by hand: ident() and literal() in engine.ts do it', () => {
    const offences: string[] = [];
    for (const file of sources()) {
      const rel = relative(root, file);
      if (rel === 'packages/core/src/data/engine.ts') continue;
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        // A quote right around an interpolation in a line of SQL: `max("${c}")`, `'${path}'`.
        const handQuoted = SQL.test(line) && /["']\$\{(?!(ident|literal)\()/.test(line);
        // Hand-rolled escaping of SQL quotes.
        const handEscaped = /replaceAll?\((['"])("|')\1, (['"])(""|'')\3\)/.test(line) || /replace\(\/"\/g, '""'\)|replace\(\/'\/g, "''"\)/.test(line);
        if (handQuoted || handEscaped) offences.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offences).toEqual([]);
  });

  it('ident and literal survive every quote, and numbers never become names', async () => {
    const engine = await DataEngine.open();
    try {
      const name = `a"b'c); DROP TABLE x; --`;
      expect(await engine.rows(`SELECT ${literal(name)} AS ${ident(name)}`)).toEqual([{ [name]: name }]);
      const values = await engine.rows(`SELECT ${literal(Infinity)} AS p, ${literal(-Infinity)} AS n, isnan(${literal(NaN)}) AS nan, ${literal(1.5)} AS x, ${literal(12n)} AS b`);
      expect(values).toEqual([{ p: Infinity, n: -Infinity, nan: true, x: 1.5, b: 12 }]);
    } finally {
      engine.close();
    }
  });
});
