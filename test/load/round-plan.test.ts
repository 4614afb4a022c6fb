import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { planRounds, type RoundDesign, roundPlanRecord } from '../../src/load/round-plan.js';

const designs: RoundDesign[] = ['abba', 'shuffled-pairs'];
// Recorded when the load engine moved to the statistics' generator (xoshiro128**, 2026-11-24); the plans of
// earlier versions (Mulberry32) were BCBCBCBCBCCB and BBBBBCCBBBBB.
const RECORDED_ABBA = 'BCBCBCCBCBCB';
const RECORDED_SHUFFLED = 'BBBCCCCBCCBB';

describe('planRounds', () => {
  it('gives every pair exactly one baseline and one candidate round, back to back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.constantFrom(...designs),
        fc.integer(),
        fc.nat(100),
        (pairs, design, seed, startPair) => {
          const plan = planRounds({ pairs, design, seed, startPair });
          expect(plan).toHaveLength(pairs * 2);
          for (let i = 0; i < plan.length; i += 2) {
            expect(plan[i]!.pair).toBe(startPair + i / 2);
            expect(plan[i + 1]!.pair).toBe(startPair + i / 2);
            expect(new Set([plan[i]!.variant, plan[i + 1]!.variant])).toEqual(new Set(['baseline', 'candidate']));
          }
        },
      ),
    );
  });

  it('is deterministic for a seed, and an extension equals planning everything at once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(...designs),
        fc.integer(),
        (a, b, design, seed) => {
          const first = a * 2; // an even split keeps ABBA blocks whole
          const all = planRounds({ pairs: first + b, design, seed });
          expect(planRounds({ pairs: first + b, design, seed })).toEqual(all);
          const extended = [
            ...planRounds({ pairs: first, design, seed }),
            ...planRounds({ pairs: b, design, seed, startPair: first }),
          ];
          expect(extended).toEqual(all);
        },
      ),
    );
  });

  it('ABBA: the second pair of each block mirrors the first, and blocks are randomized by the seed', () => {
    const firstOfBlocks = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const plan = planRounds({ pairs: 8, design: 'abba', seed });
      for (let block = 0; block < 4; block++) {
        const [a, b, c, d] = plan.slice(block * 4, block * 4 + 4).map((r) => r.variant);
        expect([c, d]).toEqual([b, a]);
        firstOfBlocks.add(a!);
      }
    }
    expect(firstOfBlocks).toEqual(new Set(['baseline', 'candidate']));
  });

  it('shuffled pairs: different seeds give different orders, and neither variant always goes first', () => {
    const orders = (seed: number) =>
      planRounds({ pairs: 40, design: 'shuffled-pairs', seed })
        .filter((_, i) => i % 2 === 0)
        .map((r) => r.variant);
    expect(orders(1)).not.toEqual(orders(2));
    const baselineFirst = orders(1).filter((v) => v === 'baseline').length;
    expect(baselineFirst).toBeGreaterThan(5);
    expect(baselineFirst).toBeLessThan(35);
  });

  it('sequential (naive before/after): every baseline round of the block, then every candidate round', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer(), fc.nat(50), (pairs, seed, startPair) => {
        const plan = planRounds({ pairs, design: 'sequential', seed, startPair });
        expect(plan).toHaveLength(pairs * 2);
        const pairNumbers = Array.from({ length: pairs }, (_, k) => startPair + k);
        expect(plan.slice(0, pairs)).toEqual(pairNumbers.map((pair) => ({ pair, variant: 'baseline' })));
        expect(plan.slice(pairs)).toEqual(pairNumbers.map((pair) => ({ pair, variant: 'candidate' })));
      }),
    );
    // The seed does not matter: there is no randomization to counterbalance drift.
    expect(planRounds({ pairs: 6, design: 'sequential', seed: 1 })).toEqual(
      planRounds({ pairs: 6, design: 'sequential', seed: 2 }),
    );
  });

  it('the plan of a seed is pinned: adding a design (such as sequential) leaves the others unchanged', () => {
    // Seed 20251217, 12 pairs: B = baseline first, C = candidate first.
    const firsts = (design: RoundDesign) =>
      planRounds({ pairs: 12, design, seed: 20251217 })
        .filter((_, i) => i % 2 === 0)
        .map((r) => (r.variant === 'baseline' ? 'B' : 'C'))
        .join('');
    expect(firsts('abba')).toBe(RECORDED_ABBA);
    expect(firsts('shuffled-pairs')).toBe(RECORDED_SHUFFLED);
  });

  it('names the generator that made the pinned plans, as results.json records it', () => {
    // A new generator changes the pinned plans above: it must get a new name here, so older runs stay explainable.
    expect(roundPlanRecord(20251217, 'abba')).toEqual({ seed: 20251217, design: 'abba', generator: 'xoshiro128**' });
  });

  it('refuses bad settings naming the key', () => {
    expect(() => planRounds({ pairs: 0, design: 'abba', seed: 1 })).toThrow(/load\.pairs: got 0/);
    expect(() => planRounds({ pairs: 2, design: 'abab' as RoundDesign, seed: 1 })).toThrow(InputError);
    expect(() => planRounds({ pairs: 2, design: 'abba', seed: Number.NaN })).toThrow(/load\.seed/);
  });
});
