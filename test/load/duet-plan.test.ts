import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRounds } from '../../src/load/round-plan.js';

describe('planRounds: duet', () => {
  it('puts one baseline and one candidate round in every pair, listed in the order their senders start', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer(), fc.nat(100), (pairs, seed, startPair) => {
        const plan = planRounds({ pairs, design: 'duet', seed, startPair });
        expect(plan).toHaveLength(pairs * 2);
        for (let i = 0; i < plan.length; i += 2) {
          expect([plan[i]!.pair, plan[i + 1]!.pair]).toEqual([startPair + i / 2, startPair + i / 2]);
          expect(new Set([plan[i]!.variant, plan[i + 1]!.variant])).toEqual(new Set(['baseline', 'candidate']));
        }
      }),
    );
  });

  it('draws which variant starts first from the seed, per pair, so neither always starts first', () => {
    const starters = (seed: number) =>
      planRounds({ pairs: 40, design: 'duet', seed })
        .filter((_, i) => i % 2 === 0)
        .map((r) => r.variant);
    expect(starters(7)).toEqual(starters(7));
    expect(starters(7)).not.toEqual(starters(8));
    const baselineFirst = starters(7).filter((v) => v === 'baseline').length;
    expect(baselineFirst).toBeGreaterThan(5);
    expect(baselineFirst).toBeLessThan(35);
    // The coin of pair k depends only on (seed, k): an extension keeps the start order of earlier pairs.
    expect([
      ...planRounds({ pairs: 5, design: 'duet', seed: 7 }),
      ...planRounds({ pairs: 35, design: 'duet', seed: 7, startPair: 5 }),
    ]).toEqual(planRounds({ pairs: 40, design: 'duet', seed: 7 }));
  });

  it('uses the shuffled-pairs coin for the start order (results.json names one generator for both)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer(), (pairs, seed) => {
        expect(planRounds({ pairs, design: 'duet', seed })).toEqual(
          planRounds({ pairs, design: 'shuffled-pairs', seed }),
        );
      }),
    );
  });
});
