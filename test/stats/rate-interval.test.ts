import { describe, expect, it } from 'vitest';
import { analyzeRate, betaQuantile, clopperPearson, clusterDispersion } from '../../src/stats/rate-interval.js';

const rounds = (k: number, trials: number, events = 0) => Array.from({ length: k }, () => ({ events, trials }));

describe('Clopper–Pearson interval', () => {
  it('bounds 0 of 360 at 1.27 % with 98 % two-sided (one-sided 99 %) and 1.46 % with 99 %', () => {
    // 1 − 0.01^(1/360) and 1 − 0.005^(1/360): the closed form of the upper bound with no events.
    expect(clopperPearson(0, 360, 0.98)).toEqual([0, expect.closeTo(1 - 0.01 ** (1 / 360), 12)]);
    expect(clopperPearson(0, 360, 0.98)[1]).toBeCloseTo(0.0127107, 6);
    expect(clopperPearson(0, 360, 0.99)[1]).toBeCloseTo(0.0146098, 6);
  });
  it('agrees with SciPy 1.17.1 beta.ppf on counts with events', () => {
    // scipy.stats.beta.ppf(0.01, 7, 354), beta.ppf(0.99, 8, 353); beta.ppf(0.01, 60, 2941), beta.ppf(0.99, 61, 2940)
    const [lo7, hi7] = clopperPearson(7, 360, 0.98);
    expect(lo7).toBeCloseTo(0.006506081442011193, 10);
    expect(hi7).toBeCloseTo(0.04389090665816331, 10);
    const [lo60, hi60] = clopperPearson(60, 3000, 0.98);
    expect(lo60).toBeCloseTo(0.014524991037554837, 10);
    expect(hi60).toBeCloseTo(0.02678230372753651, 10);
  });
  it('gives [0, 1]-clipped bounds when every trial is an event', () => {
    expect(clopperPearson(50, 50, 0.98)).toEqual([expect.closeTo(0.01 ** (1 / 50), 9), 1]);
    expect(betaQuantile(0.5, 1, 1)).toBeCloseTo(0.5, 12);
  });
});

describe('analyzeRate: pooled counts with the dispersion between rounds', () => {
  it('zero errors in 6 rounds of 60 requests: estimate 0, no dispersion, upper bound 1.27 % at 98 %', () => {
    const rate = analyzeRate(rounds(6, 60));
    expect(rate.estimate).toBe(0);
    expect(rate.dispersion).toBe(1);
    expect(rate.interval(0.98)[1]).toBeCloseTo(0.0127107, 6);
    // One-sided 99 % bound at 1.27 %: 1 % is inside, so "<= 1 %" cannot pass on 360 requests ...
    expect(rate.oneSidedPValue(0.01, 'less')).toBeGreaterThan(0.01);
    // ... and 459 are the fewest that can (1 − 0.01^(1/459) < 1 %).
    expect(analyzeRate(rounds(9, 51)).interval(0.98)[1]).toBeLessThan(0.01);
    expect(analyzeRate(rounds(9, 50)).interval(0.98)[1]).toBeGreaterThan(0.01);
  });
  it('equals the binomial interval when the rounds vary no more than a binomial would', () => {
    const even = analyzeRate(rounds(10, 100, 5));
    expect(even.dispersion).toBe(1);
    expect(even.interval(0.98)).toEqual(clopperPearson(50, 1000, 0.98));
  });
  it('widens the interval by the dispersion when rounds disagree more than a binomial allows', () => {
    const counts = [0, 20, 1, 18, 2, 19].map((events) => ({ events, trials: 100 }));
    const rate = analyzeRate(counts);
    expect(rate.estimate).toBeCloseTo(60 / 600, 12);
    // Σ (x − 10)² = 100+100+81+64+64+81 = 490; 6 · 490 / (5 · 600 · 0.1 · 0.9) = 10.89.
    expect(clusterDispersion(counts, 0.1)).toBeCloseTo((6 * 490) / (5 * 600 * 0.09), 10);
    expect(rate.dispersion).toBeCloseTo(10.888888, 5);
    const binomial = clopperPearson(60, 600, 0.98);
    const [lo, hi] = rate.interval(0.98);
    expect(lo).toBeLessThan(binomial[0]);
    expect(hi).toBeGreaterThan(binomial[1]);
    // The interval allows for φ's own noise (5 degrees of freedom): more than φ alone would give.
    expect(rate.dispersionAt(0.98)).toBeGreaterThan(rate.dispersion);
    expect(hi).toBeGreaterThan(clopperPearson(60 / rate.dispersion, 600 / rate.dispersion, 0.98)[1]);
  });
  it('gives p-values that agree with the interval at every level, as Holm needs', () => {
    const rate = analyzeRate(
      [2, 9, 1, 5, 0, 7].map((events, i) => ({ events, trials: [100, 120, 90, 200, 80, 150][i]! })),
    );
    for (const p0 of [0.01, 0.02, 0.06, 0.08]) {
      const p = 2 * Math.min(rate.oneSidedPValue(p0, 'less'), rate.oneSidedPValue(p0, 'greater'));
      const [lo, hi] = rate.interval(1 - p);
      // At level 1 − p the threshold sits on one end of the interval.
      expect(Math.min(Math.abs(lo - p0), Math.abs(hi - p0))).toBeLessThan(1e-9);
    }
  });
  it('rejects counts that are not a share of events in trials', () => {
    expect(() => analyzeRate([{ events: 5, trials: 4 }])).toThrow(RangeError);
    expect(() => analyzeRate([{ events: 0, trials: 0 }])).toThrow(RangeError);
  });
});
