import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `word`, if it is close enough to be a likely typo
 * (edit distance at most a third of the word's length, and at least 1 allowed edit).
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(word.length / 3));
  if (best !== undefined && bestDistance > 0 && bestDistance <= allowed) return best;
  // A prefix match ("csvv" -> "csv", "epoch" -> "epochs") is a typo too.
  if (best !== undefined && bestDistance > 0 && (best.startsWith(word) || word.startsWith(best))) return best;
  return undefined;
}
