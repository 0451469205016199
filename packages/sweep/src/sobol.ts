import { deriveSeed, PrdError, SeededRandom } from '@prd/core';

/**
 * Primitive polynomials and initial direction numbers of Joe and Kuo (new-joe-kuo-6.21201) for dimensions 2..16;
 * dimension 1 is the van der Corput sequence. [degree s, coefficients a, m_1..m_s].
 */
const JOE_KUO: Array<[number, number, number[]]> = [
  [1, 0, [1]],
  [2, 1, [1, 3]],
  [3, 1, [1, 3, 1]],
  [3, 2, [1, 1, 1]],
  [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]],
  [5, 2, [1, 1, 5, 5, 17]],
  [5, 4, [1, 1, 5, 5, 5]],
  [5, 7, [1, 1, 7, 11, 19]],
  [5, 11, [1, 1, 5, 1, 1]],
  [5, 13, [1, 1, 1, 3, 11]],
  [5, 14, [1, 3, 5, 5, 31]],
  [6, 1, [1, 3, 3, 9, 7, 49]],
  [6, 13, [1, 1, 1, 15, 21, 21]],
  [6, 16, [1, 3, 1, 13, 27, 49]],
];

/** Dimensions the Sobol sampler supports. */
export const SOBOL_MAX_DIMENSIONS = JOE_KUO.length + 1;

const BITS = 32;

/** Direction numbers V[k] (scaled to 32 bits) of one dimension. */
function directions(dim: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dim === 0) {
    for (let k = 0; k < BITS; k++) v[k] = (1 << (31 - k)) >>> 0;
    return v;
  }
  const [s, a, m] = JOE_KUO[dim - 1];
  for (let k = 0; k < s; k++) v[k] = (m[k] << (31 - k)) >>> 0;
  for (let k = s; k < BITS; k++) {
    let value = (v[k - s] ^ (v[k - s] >>> s)) >>> 0;
    for (let j = 1; j < s; j++) if ((a >>> (s - 1 - j)) & 1) value = (value ^ v[k - j]) >>> 0;
    v[k] = value;
  }
  return v;
}

/**
 * A Sobol sequence with a seeded random digital shift (each dimension XORed with a random 32-bit word): every
 * seed gives a different sequence that keeps Sobol's stratification (any 2^k consecutive points from the start
 * put one point in each of 2^k equal intervals of every dimension).
 */
export class SobolSequence {
  private readonly v: Uint32Array[];
  private readonly shift: Uint32Array;

  constructor(readonly dimensions: number, seed: number) {
    if (dimensions > SOBOL_MAX_DIMENSIONS) throw new PrdError(`Sobol sampling supports at most ${SOBOL_MAX_DIMENSIONS} searched values; this sweep has ${dimensions}: use "random" or "tpe"`);
    this.v = Array.from({ length: dimensions }, (_, d) => directions(d));
    const random = new SeededRandom(deriveSeed(seed, 'sobol-shift'));
    this.shift = Uint32Array.from({ length: dimensions }, () => Math.floor(random.next() * 2 ** 32) >>> 0);
  }

  /** The point with index `n` (0-based), each coordinate in [0, 1). */
  point(n: number): number[] {
    // Gray-code-free direct construction: x = XOR of V[k] over the set bits k of n.
    return this.v.map((v, d) => {
      let x = 0;
      for (let k = 0, m = n; m > 0; k++, m >>>= 1) if (m & 1) x = (x ^ v[k]) >>> 0;
      return ((x ^ this.shift[d]) >>> 0) / 2 ** 32;
    });
  }
}
