import { describe, expect, it } from 'vitest';
import { alphaForLook, alphaSpent, decideContinuation, planLooks } from '../../src/stats/sequential.js';

describe('alpha spending across looks', () => {
  const plan = planLooks({ alpha: 0.02, minPairs: 10, blockPairs: 5, maxPairs: 30 });
  it('plans looks at 10, 15, ..., 30 pairs', () => {
    expect(plan.pairsAtLook).toEqual([10, 15, 20, 25, 30]);
    expect(planLooks({ alpha: 0.02, minPairs: 10, blockPairs: 8, maxPairs: 30 }).pairsAtLook).toEqual([10, 18, 26, 30]);
  });
  it.each(['obrien-fleming', 'pocock', 'bonferroni'] as const)(
    '%s increments are positive and sum to alpha exactly',
    (spending) => {
      const p = { ...plan, spending };
      const increments = p.pairsAtLook.map((_, i) => alphaForLook(p, i + 1));
      for (const a of increments) expect(a).toBeGreaterThan(0);
      expect(increments.reduce((s, a) => s + a, 0)).toBeCloseTo(0.02, 15);
    },
  );
  it("O'Brien–Fleming spends little early, Pocock more, at the first look", () => {
    expect(alphaForLook(plan, 1)).toBeLessThan(alphaForLook({ ...plan, spending: 'pocock' }, 1));
    // Lan–DeMets OBF at t = 1/3, alpha 0.02: 2 - 2Φ(2.3263 / √(1/3)) = 2 Φ̄(4.0294) ≈ 5.59e-5.
    expect(alphaSpent('obrien-fleming', 0.02, 1 / 3, 5)).toBeCloseTo(5.59e-5, 6);
    expect(alphaSpent('pocock', 0.02, 1, 5)).toBeCloseTo(0.02, 15);
  });
  it('rejects a look outside the plan', () => {
    expect(() => alphaForLook(plan, 0)).toThrow(RangeError);
    expect(() => alphaForLook(plan, 6)).toThrow(RangeError);
  });
});

describe('whether to run another block', () => {
  const plan = planLooks({ alpha: 0.02, minPairs: 10, blockPairs: 5, maxPairs: 30 });
  it('stops when every target is decided', () => {
    expect(decideContinuation({ plan, look: 1, pairsDone: 10, statuses: ['pass', 'fail'] })).toEqual({
      continue: false,
      reason: 'all targets decided',
    });
  });
  it('stops on a failed target unless told otherwise', () => {
    expect(decideContinuation({ plan, look: 2, pairsDone: 15, statuses: ['fail', 'inconclusive'] }).reason).toBe(
      'a target failed',
    );
    expect(
      decideContinuation({ plan, look: 2, pairsDone: 15, statuses: ['fail', 'inconclusive'], stopOnFail: false }),
    ).toEqual({ continue: true, reason: 'continue: targets undecided', nextPairs: 20, nextLook: 3 });
  });
  it('continues while targets are undecided, and stops when the budget is used', () => {
    expect(decideContinuation({ plan, look: 1, pairsDone: 10, statuses: ['pass', 'no-data'] }).continue).toBe(true);
    expect(decideContinuation({ plan, look: 5, pairsDone: 30, statuses: ['inconclusive'] })).toEqual({
      continue: false,
      reason: 'budget exhausted',
    });
    expect(decideContinuation({ plan, look: 3, pairsDone: 30, statuses: ['inconclusive'] }).reason).toBe(
      'budget exhausted',
    );
  });
});
