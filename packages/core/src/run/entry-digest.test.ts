import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/plugins.js';
import { packageCode } from './code-identity.js';
import { entryDigest } from './entry-digest.js';

function entry(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('entryDigest', () => {
  it('depends on every file\'s path and bytes, not on where the entry is or on its bookkeeping', () => {
    const a = entryDigest(entry({ 'model/weights.bin': 'abcd', 'history.json': '[]', 'entry.json': '{"createdAt":"1"}' }));
    expect(entryDigest(entry({ 'history.json': '[]', 'model/weights.bin': 'abcd', 'entry.json': '{"createdAt":"2"}' }))).toBe(a);
    // Same size, other bytes (a half-overwritten weights file).
    expect(entryDigest(entry({ 'model/weights.bin': 'abce', 'history.json': '[]' }))).not.toBe(a);
    expect(entryDigest(entry({ 'model/other.bin': 'abcd', 'history.json': '[]' }))).not.toBe(a);
    expect(entryDigest(entry({ 'model/weights.bin': 'abcd' }))).not.toBe(a);
  });
});

describe('packageCode', () => {
  it('changes when a built file of the package changes, not when its sources or tests do', () => {
    const make = (js: string, src: string, test: string) =>
      packageCode(entry({ 'package.json': '{"name":"@x/p","version":"1.0.0"}', 'dist/index.js': js, 'dist/index.test.js': test, 'src/index.ts': src }));
    const base = make('export default 1', 'a', 't');
    expect(base).toMatchObject({ package: '@x/p', version: '1.0.0' });
    expect(make('export default 1', 'b', 'u').code).toBe(base.code);
    expect(make('export default 2', 'a', 't').code).not.toBe(base.code);
  });
});
