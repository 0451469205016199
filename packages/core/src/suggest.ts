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
  if (best === undefined || best === word) return undefined;
  // Same word in another case ("Epochs") is the commonest typo of all.
  if (bestDistance === 0) return best;
  // Two edits for short words catches swapped letters ("cvs" for "csv"); longer words may be a third off.
  const allowed = Math.max(2, Math.floor(word.length / 3));
  if (bestDistance <= allowed && bestDistance < Math.max(word.length, best.length)) return best;
  // A prefix match ("csvv" -> "csv", "epoch" -> "epochs") is a typo too.
  if (best.startsWith(word) || word.startsWith(best)) return best;
  return undefined;
}
