import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';

/** JSON with object keys sorted, so equal values always serialise the same way. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** A short content hash (hex) of any JSON-able value. */
export function hashOf(value: unknown, length = 16): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}

/** Fingerprint of files by path, size and modification time: changes whenever a file is edited. */
export function filesFingerprint(paths: readonly string[]): string {
  const parts = [...paths].sort().map((p) => {
    const s = statSync(p);
    return [p, s.size, Math.floor(s.mtimeMs)];
  });
  return hashOf(parts);
}
