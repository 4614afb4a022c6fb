import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { minSamplesForDistributionFree } from '../../src/gate/evaluate-targets.js';
import {
  blockPairsFor,
  durationText,
  planBudget,
  RESTART_OVERHEAD_MS,
  ROUND_OVERHEAD_MS,
  worstCaseMeasuringMs,
} from '../../src/load/budget-plan.js';
import { alphaForLook, planLooks } from '../../src/stats/sequential.js';

const judged = { confidence: 0.98, minPairs: 5 };
const THREE_MINUTES = 180_000;

describe('planBudget: a budget alone', () => {
  it('a 3-minute budget gives a plan whose worst case (every look run) fits in 3 minutes', () => {
    for (const warmupMs of [0, 3_000, 5_000, 10_000]) {
      for (const targets of [1, 2, 5, 10]) {
        const plan = planBudget({ budgetMs: THREE_MINUTES, warmupMs, explicit: {}, targets, ...judged });
        const worst = 2 * warmupMs + plan.maxPairs * 2 * (plan.roundDurationMs + ROUND_OVERHEAD_MS);
        expect(plan.worstCaseMs).toBe(worst);
        expect(worst).toBeLessThanOrEqual(THREE_MINUTES);
        expect(plan.overrun).toBe(false);
        expect(plan.warnings).toEqual([]);
        // Not a plan that wastes the budget either: one more pair would not fit.
        expect(worst + 2 * (plan.roundDurationMs + ROUND_OVERHEAD_MS)).toBeGreaterThan(THREE_MINUTES);
      }
    }
  });

  it('spends 3 minutes with 5 s warm-ups on 30 pairs of 2.7 s rounds, the calibrated design', () => {
    const plan = planBudget({ budgetMs: THREE_MINUTES, warmupMs: 5_000, explicit: {}, targets: 5, ...judged });
    expect(plan).toMatchObject({ roundDurationMs: 2_700, maxPairs: 30, worstCaseMs: 178_000, minimumPairs: 9 });
  });

  it('gives a duet, whose pair takes one round, rounds of the same length and twice the pairs in the same budget', () => {
    const sequential = planBudget({ budgetMs: THREE_MINUTES, warmupMs: 5_000, explicit: {}, targets: 3, ...judged });
    const duet = planBudget({
      budgetMs: THREE_MINUTES,
      warmupMs: 5_000,
      explicit: {},
      targets: 3,
      roundsPerPair: 1,
      ...judged,
    });
    // Its warm-up runs both variants at once too, which leaves a little more time for rounds.
    expect(duet.roundDurationMs).toBeGreaterThanOrEqual(sequential.roundDurationMs);
    expect(duet.maxPairs).toBe(2 * sequential.maxPairs);
    expect(duet.worstCaseMs).toBe(5_000 + duet.maxPairs * (duet.roundDurationMs + ROUND_OVERHEAD_MS));
    expect(duet.worstCaseMs).toBeLessThanOrEqual(THREE_MINUTES);
    expect(duet.pairs).toBeLessThan(duet.maxPairs);
  });

  it('puts the first look where its share of alpha could decide a target, and the last look can still decide', () => {
    for (const targets of [1, 3, 5]) {
      const plan = planBudget({ budgetMs: THREE_MINUTES, warmupMs: 5_000, explicit: {}, targets, ...judged });
      const looks = planLooks({
        alpha: 0.02,
        minPairs: plan.pairs,
        blockPairs: blockPairsFor(plan.pairs),
        maxPairs: plan.maxPairs,
      });
      expect(looks.pairsAtLook.length).toBeGreaterThan(1);
      const needed = (look: number) => minSamplesForDistributionFree(1 - alphaForLook(looks, look) / targets);
      expect(needed(1)).toBeLessThanOrEqual(plan.pairs);
      expect(needed(looks.pairsAtLook.length)).toBeLessThanOrEqual(plan.maxPairs);
      // A look one pair earlier could not have decided anything (below a third of the pairs, it is not tried).
      if (plan.pairs - 1 >= Math.ceil(plan.maxPairs / 3)) {
        const earlier = planLooks({
          alpha: 0.02,
          minPairs: plan.pairs - 1,
          blockPairs: blockPairsFor(plan.pairs - 1),
          maxPairs: plan.maxPairs,
        });
        const first = minSamplesForDistributionFree(1 - alphaForLook(earlier, 1) / targets);
        const last = minSamplesForDistributionFree(1 - alphaForLook(earlier, earlier.pairsAtLook.length) / targets);
        expect(first > plan.pairs - 1 || last > plan.maxPairs).toBe(true);
      }
    }
  });

  it('gives a short budget fewer pairs of 2 s rounds, and a long one more pairs of 5 s rounds', () => {
    const short = planBudget({ budgetMs: 60_000, warmupMs: 5_000, explicit: {}, targets: 5, ...judged });
    expect(short).toMatchObject({ roundDurationMs: 2_000, maxPairs: 11 });
    const long = planBudget({ budgetMs: 600_000, warmupMs: 5_000, explicit: {}, targets: 5, ...judged });
    expect(long).toMatchObject({ roundDurationMs: 5_000, maxPairs: 57 });
    expect(long.worstCaseMs).toBeLessThanOrEqual(600_000);
  });

  it('falls back to one look when no earlier look could decide', () => {
    const plan = planBudget({ budgetMs: 48_000, warmupMs: 5_000, explicit: {}, targets: 5, ...judged });
    expect(plan.maxPairs).toBe(9);
    expect(plan.pairs).toBe(9);
  });
});

describe('planBudget: explicit load keys win', () => {
  it('an explicit round duration is kept and the budget sets the pairs', () => {
    const plan = planBudget({
      budgetMs: THREE_MINUTES,
      warmupMs: 5_000,
      explicit: { roundDurationMs: 4_000 },
      targets: 2,
      ...judged,
    });
    expect(plan.roundDurationMs).toBe(4_000);
    expect(plan.maxPairs).toBe(Math.floor((THREE_MINUTES - 10_000) / (2 * (4_000 + ROUND_OVERHEAD_MS))));
    expect(plan.worstCaseMs).toBeLessThanOrEqual(THREE_MINUTES);
  });

  it('explicit pairs and maxPairs are kept and the budget sets the round duration', () => {
    const plan = planBudget({
      budgetMs: THREE_MINUTES,
      warmupMs: 5_000,
      explicit: { pairs: 12, maxPairs: 20 },
      targets: 2,
      ...judged,
    });
    expect(plan).toMatchObject({ pairs: 12, maxPairs: 20, roundDurationMs: 4_100, overrun: false });
    expect(plan.worstCaseMs).toBeLessThanOrEqual(THREE_MINUTES);
  });

  it('explicit keys that need longer than the budget are run as set, with a warning that says so', () => {
    const plan = planBudget({
      budgetMs: 60_000,
      warmupMs: 5_000,
      explicit: { pairs: 10, maxPairs: 20, roundDurationMs: 5_000 },
      targets: 5,
      ...judged,
    });
    expect(plan).toMatchObject({ pairs: 10, maxPairs: 20, roundDurationMs: 5_000, overrun: true });
    expect(plan.worstCaseMs).toBe(214_000);
    expect(plan.warnings).toEqual([
      'gate.budget 1m is shorter than what the load keys set (load.pairs 10, load.maxPairs 20, load.roundDuration 5s) need: ' +
        'up to 3m 34s of measuring (2 × 5s warm-up + 20 pairs of 5s rounds); the keys win, so the run may take that long',
    ]);
  });

  it('explicit pairs above what the budget holds become the maximum, with the warning', () => {
    const plan = planBudget({ budgetMs: 60_000, warmupMs: 5_000, explicit: { pairs: 15 }, targets: 1, ...judged });
    expect(plan).toMatchObject({ pairs: 15, maxPairs: 15, overrun: true });
    expect(plan.warnings[0]).toContain('load.pairs 15');
  });
});

describe('planBudget: a budget too small to decide', () => {
  it('is an InputError naming gate.budget, what was given and the minimum', () => {
    const plan = () => planBudget({ budgetMs: 30_000, warmupMs: 5_000, explicit: {}, targets: 5, ...judged });
    expect(plan).toThrow(InputError);
    expect(plan).toThrow(
      "config key 'gate.budget': got 30s, room for 4 pairs of 2s rounds after 2 × 5s warm-up (100 ms between rounds); " +
        "deciding a target at 98 % (Holm's first step over 5 targets: 99.6 %) needs at least 9 pairs, " +
        'so expected a budget of at least 48s',
    );
  });

  it('the minimum it names is enough: that budget plans the minimum pairs', () => {
    expect(
      planBudget({ budgetMs: 48_000, warmupMs: 5_000, explicit: {}, targets: 5, ...judged }).maxPairs,
    ).toBeGreaterThanOrEqual(9);
    expect(() => planBudget({ budgetMs: 47_000, warmupMs: 5_000, explicit: {}, targets: 5, ...judged })).toThrow(
      InputError,
    );
  });

  it('needs 7 pairs for one target at 98 %, and refuses a budget shorter than the warm-ups', () => {
    expect(() => planBudget({ budgetMs: 35_000, warmupMs: 5_000, explicit: {}, targets: 1, ...judged })).toThrow(
      /needs at least 7 pairs, so expected a budget of at least 40s/,
    );
    expect(() => planBudget({ budgetMs: 8_000, warmupMs: 5_000, explicit: {}, targets: 1, ...judged })).toThrow(
      /got 8s, room for 0 pairs/,
    );
  });

  it('rounds too long for the budget are named in the message', () => {
    expect(() =>
      planBudget({
        budgetMs: 60_000,
        warmupMs: 5_000,
        explicit: { roundDurationMs: 10_000 },
        targets: 1,
        ...judged,
      }),
    ).toThrow(/room for 2 pairs of 10s rounds/);
  });
});

describe('worstCaseMeasuringMs and durationText', () => {
  it('counts both warm-ups, two rounds a pair and the overhead of each round', () => {
    const plan = { warmupMs: 3_000, maxPairs: 16, roundDurationMs: 4_000, roundOverheadMs: 100 };
    expect(worstCaseMeasuringMs({ ...plan, roundsPerPair: 2 })).toBe(6_000 + 16 * 2 * 4_100);
    // A duet's pair is its two rounds at once, and so is its warm-up.
    expect(worstCaseMeasuringMs({ ...plan, roundsPerPair: 1 })).toBe(3_000 + 16 * 4_100);
    // Spread over four starts of the backends: each start warms up, and three restarts come between.
    expect(worstCaseMeasuringMs({ ...plan, roundsPerPair: 1, processes: 4, restartOverheadMs: 2_000 })).toBe(
      4 * 3_000 + 3 * 2_000 + 16 * 4_100,
    );
  });

  it('plans a budget spread over several starts of the backends with their warm-ups and restarts taken out', () => {
    const one = planBudget({
      budgetMs: THREE_MINUTES,
      warmupMs: 1_000,
      explicit: {},
      targets: 3,
      roundsPerPair: 1,
      ...judged,
    });
    const many = planBudget({
      budgetMs: THREE_MINUTES,
      warmupMs: 1_000,
      explicit: {},
      targets: 3,
      roundsPerPair: 1,
      processes: 20,
      ...judged,
    });
    // Less time for rounds: shorter rounds first, then fewer pairs once rounds reach their 2 s floor.
    expect(many.roundDurationMs * many.maxPairs).toBeLessThan(one.roundDurationMs * one.maxPairs);
    expect(many.worstCaseMs).toBe(
      20 * 1_000 + 19 * RESTART_OVERHEAD_MS + many.maxPairs * (many.roundDurationMs + ROUND_OVERHEAD_MS),
    );
    expect(many.worstCaseMs).toBeLessThanOrEqual(THREE_MINUTES);
    const tight = () =>
      planBudget({ budgetMs: 60_000, warmupMs: 5_000, explicit: {}, targets: 1, processes: 8, ...judged });
    expect(tight).toThrow(/after 8 starts of 2 × 5s warm-up and 7 restarts of 1.5s/);
  });

  it('writes durations as the budget is written', () => {
    expect(durationText(180_000)).toBe('3m');
    expect(durationText(102_000)).toBe('1m 42s');
    expect(durationText(2_700)).toBe('2.7s');
    expect(durationText(800)).toBe('800ms');
  });
});
