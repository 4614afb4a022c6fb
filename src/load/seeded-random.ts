/**
 * Seeded choices of the load engine (which request to send, in which order the variants run), reproducible
 * from the seed recorded in the report. The numbers come from the same generator as the statistics'
 * (src/stats/prng.ts, xoshiro128**); this module adds independent streams and a shuffle.
 */
import { createRandom } from '../stats/prng.js';

export type RandomSource = () => number;

/**
 * Returns a generator of floats in [0, 1) determined entirely by `seed` (any finite number) and the optional
 * `streams`: seededRandom(seed, 7) gives an independent sequence for item 7 that does not depend on how many
 * numbers other items drew, which keeps plans stable when they are extended.
 */
export function seededRandom(seed: number, ...streams: number[]): RandomSource {
  const random = createRandom(hashSeed([seed, ...streams].join(':')));
  return random.next;
}

/** Folds the seed text (fractions and large values included) into a 32-bit state. */
function hashSeed(text: string): number {
  let h = 2166136261; // FNV-1a offset basis: spreads nearby seeds (1, 2, 3) far apart.
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** A uniformly random permutation of `items` (Fisher-Yates), leaving the input untouched. */
export function shuffled<T>(items: readonly T[], random: RandomSource): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}
