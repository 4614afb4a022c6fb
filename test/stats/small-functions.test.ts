import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapInterval } from '../../src/stats/bootstrap.js';
import { hodgesLehmann } from '../../src/stats/hodges-lehmann.js';
import { holm, holmAdjust } from '../../src/stats/holm.js';
import { analyzeLocation } from '../../src/stats/location-analysis.js';
import { studentTInterval } from '../../src/stats/location-interval.js';
import { candidateValues, pairedLogRatios, pairRounds } from '../../src/stats/paired-rounds.js';
import { createRandom } from '../../src/stats/prng.js';
import { midRanks } from '../../src/stats/ranks.js';
import { signedRankCounts, wilcoxonSignedRank } from '../../src/stats/wilcoxon.js';
import { round } from '../helpers/round-fixtures.js';

describe('Holm step-down', () => {
  it('matches the textbook example (adjusted p = running max of (m - j + 1) p_(j))', () => {
    // p = 0.01, 0.04, 0.03, 0.005 -> sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.03, 0.06, 0.06.
    expect(holmAdjust([0.01, 0.04, 0.03, 0.005]).map((x) => Number(x.toFixed(10)))).toEqual([0.03, 0.06, 0.06, 0.02]);
    const steps = holm([0.01, 0.04, 0.03, 0.005], 0.05);
    expect(steps.map((s) => s.rejected)).toEqual([true, false, false, true]);
    expect(steps[3]!.level).toBeCloseTo(0.05 / 4, 15);
  });
  it('stops at the first kept hypothesis even if a later p is below its own level', () => {
    // Sorted: 0.02 (level 0.0167, kept) then 0.024 (level 0.025): step-down must keep it too.
    const steps = holm([0.02, 0.024, 0.9], 0.05);
    expect(steps.map((s) => s.rejected)).toEqual([false, false, false]);
  });
  it('adjusted p-values are at least the raw ones and rejections equal adjusted <= alpha', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0.001, max: 0.2, noNaN: true }),
        (ps, alpha) => {
          const steps = holm(ps, alpha);
          steps.forEach((s, i) => {
            expect(s.adjustedPValue).toBeGreaterThanOrEqual(ps[i]! - 1e-15);
            expect(s.rejected).toBe(s.adjustedPValue <= alpha);
          });
        },
      ),
    );
  });
});

describe('Hodges–Lehmann', () => {
  it('estimate is the median of the Walsh averages', () => {
    // Walsh averages of [1, 2, 9]: 1, 1.5, 5, 2, 5.5, 9 -> median 3.5.
    expect(hodgesLehmann([1, 2, 9], 0.5).estimate).toBe(3.5);
  });
  it('the interval uses the exact signed-rank critical value (n = 10, 95 %: k = 9, Hollander & Wolfe table)', () => {
    const x = [0.3, -0.1, 0.7, 1.2, 0.5, 0.05, 0.9, 0.4, -0.3, 0.8];
    const walsh: number[] = [];
    for (let i = 0; i < x.length; i++) for (let j = i; j < x.length; j++) walsh.push((x[i]! + x[j]!) / 2);
    walsh.sort((a, b) => a - b);
    const { interval, achievedLevel } = hodgesLehmann(x, 0.95);
    // P(W+ <= 8) = 0.0244 for n = 10, so the interval is [W_(9), W_(55-8)], coverage 0.951.
    expect(interval).toEqual([walsh[8], walsh[46]]);
    expect(achievedLevel).toBeCloseTo(1 - (2 * 25) / 1024, 12);
  });
  it('is exactly the set of centres the exact signed-rank test (checked against SciPy) does not reject', () => {
    const random = createRandom(17);
    for (const n of [8, 12, 20]) {
      const x = Array.from({ length: n }, () => random.normal());
      const level = 0.95;
      const [lo, hi] = hodgesLehmann(x, level).interval;
      const p = (mu: number) =>
        wilcoxonSignedRank(
          x.map((v) => v - mu),
          { method: 'exact' },
        ).pValue;
      const eps = 1e-9;
      // Just inside the interval the test keeps mu; just outside it rejects at 1 - level.
      expect(p(lo + eps)).toBeGreaterThan(1 - level);
      expect(p(hi - eps)).toBeGreaterThan(1 - level);
      expect(p(lo - eps)).toBeLessThanOrEqual(1 - level);
      expect(p(hi + eps)).toBeLessThanOrEqual(1 - level);
    }
  });
  it('is unbounded when n is too small for the level, rather than overconfident', () => {
    expect(hodgesLehmann([1, 2, 3], 0.95).interval).toEqual([-Infinity, Infinity]);
  });
  it('covers the centre of a symmetric distribution at least as often as asked', () => {
    const random = createRandom(99);
    let covered = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      // Heavy-tailed symmetric noise (t-like): the interval must not care.
      const x = Array.from(
        { length: 12 },
        () => random.normal() / Math.sqrt(Math.max(1e-3, -2 * Math.log(1 - random.next()))),
      );
      const [lo, hi] = hodgesLehmann(x, 0.9).interval;
      if (lo <= 0 && 0 <= hi) covered++;
    }
    // Achieved level for n = 12 at 90 % is 0.908; allow 3 binomial standard errors below.
    expect(covered / trials).toBeGreaterThan(0.9 - 3 * Math.sqrt(0.09 / trials));
  });
  it('signed-rank counts sum to 2^n and are symmetric', () => {
    const counts = signedRankCounts(12);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4096);
    expect(counts).toEqual([...counts].reverse());
  });
});

describe('interval and p-value agree (what Holm relies on)', () => {
  it.each(['t', 'hodges-lehmann'] as const)(
    '%s: two-sided p <= level exactly when the interval at 1 - level excludes the value',
    (method) => {
      const random = createRandom(21);
      let checked = 0;
      for (let trial = 0; trial < 300; trial++) {
        const n = 8 + random.integer(25);
        const x = Array.from({ length: n }, () => 0.05 * random.normal() + 0.02);
        const analysis = analyzeLocation(x, method);
        const mu0 = 0.02 + 0.04 * (random.next() - 0.5);
        const level = [0.02, 0.0067, 0.05][trial % 3]!;
        const p = Math.min(
          1,
          2 * Math.min(analysis.oneSidedPValue(mu0, 'less'), analysis.oneSidedPValue(mu0, 'greater')),
        );
        const [lo, hi] = analysis.interval(1 - level);
        const excludes = mu0 < lo || mu0 > hi;
        expect(excludes, `n=${n} mu0=${mu0} p=${p} interval=[${lo}, ${hi}]`).toBe(p <= level);
        checked++;
      }
      expect(checked).toBe(300);
    },
  );
});

describe('seeded randomness and bootstrap', () => {
  it('the same seed gives the same stream; different seeds differ', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa);
  });
  it('normal deviates have mean 0 and sd 1 (100k draws)', () => {
    const r = createRandom(1);
    const xs = Array.from({ length: 100_000 }, () => r.normal());
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
    expect(Math.abs(m)).toBeLessThan(0.015);
    expect(Math.abs(v - 1)).toBeLessThan(0.02);
  });
  it('bootstrap is reproducible from its seed and close to the t interval for normal data', () => {
    const r = createRandom(5);
    const x = Array.from({ length: 40 }, () => 0.1 + 0.05 * r.normal());
    const one = bootstrapInterval(x, 0.95, { seed: 3 });
    expect(bootstrapInterval(x, 0.95, { seed: 3 }).interval).toEqual(one.interval);
    const t = studentTInterval(x, 0.95).interval;
    expect(Math.abs(one.interval[0] - t[0])).toBeLessThan(0.005);
    expect(Math.abs(one.interval[1] - t[1])).toBeLessThan(0.005);
  });
});

describe('ranks and pairing', () => {
  it('mid-ranks share tied positions', () => {
    expect(midRanks([10, 20, 20, 5]).ranks).toEqual([2, 3.5, 3.5, 1]);
  });
  it('pairs only pairs whose two rounds are valid and measured', () => {
    const rounds = [
      round(0, 'baseline', { m: 10 }),
      round(0, 'candidate', { m: 8 }),
      round(1, 'baseline', { m: 10 }),
      round(1, 'candidate', { m: 5 }, false),
      round(2, 'candidate', { m: 7 }),
      round(3, 'baseline', { m: 0 }),
      round(3, 'candidate', { m: 4 }),
      round(4, 'baseline', { m: 10 }),
      round(4, 'candidate', { m: null }),
    ];
    const paired = pairRounds(rounds, 'm', true);
    expect(paired.pairs).toEqual([0]);
    expect(paired.excluded).toEqual([
      { pair: 1, cause: 'round-invalid', variant: 'candidate', invalidReasons: ['rate missed'] },
      { pair: 2, cause: 'round-missing', variant: 'baseline' },
      { pair: 3, cause: 'not-positive', variant: 'baseline', metric: 'm', value: 0 },
      { pair: 4, cause: 'not-measured', variant: 'candidate', metric: 'm', serverMetricsProblems: [] },
    ]);
    expect(pairedLogRatios(paired)).toEqual([Math.log(0.8)]);
    expect(pairRounds(rounds, 'm', false).pairs).toEqual([0, 3]);
    expect(candidateValues(rounds, 'm')).toEqual({
      values: [8, 7, 4],
      excluded: [
        { pair: 1, cause: 'round-invalid', variant: 'candidate', invalidReasons: ['rate missed'] },
        { pair: 4, cause: 'not-measured', variant: 'candidate', metric: 'm', serverMetricsProblems: [] },
      ],
    });
  });
});
