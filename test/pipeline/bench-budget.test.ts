import { describe, expect, it } from 'vitest';
import { budgetOverrun } from '../../src/pipeline/stages/bench.js';

describe('budgetOverrun: whether the next look still fits the budget', () => {
  const budget = { budgetMs: 180_000, warmupMs: 5_000 };

  it('fits when the pairs so far ran at the planned pace', () => {
    // 2 × 5 s warm-up, then 14 pairs of 2 × 2.8 s: 88.4 s; 7 more pairs at 5.6 s end at 127.6 s.
    expect(budgetOverrun(budget, 88_400, 14, 7)).toBeCloseTo(127_600 - 180_000, 6);
  });

  it('does not fit when the machine ran the pairs slower than planned', () => {
    // 28 pairs took 8 s each: 2 more end at 10 + 30 × 8 = 250 s, 70 s past the budget.
    expect(budgetOverrun(budget, 10_000 + 28 * 8_000, 28, 2)).toBeCloseTo(70_000, 6);
  });

  it('takes one warm-up out of a duet, whose variants warm up at once', () => {
    // 5 s warm-up, then 20 duet pairs of 2.8 s: 61 s; 20 more end at 117 s.
    expect(budgetOverrun({ ...budget, roundsPerPair: 1 }, 61_000, 20, 20)).toBeCloseTo(117_000 - 180_000, 6);
  });

  it('has no pace to go by before the first pair', () => {
    expect(budgetOverrun(budget, 10_000, 0, 14)).toBe(0);
  });
});
