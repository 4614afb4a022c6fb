import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NOISE,
  type NoiseModel,
  simulateAlternatives,
  simulateGateRun,
  simulateRounds,
} from '../../bench/calibration/simulate.js';
import { createRandom } from '../../src/stats/prng.js';

const quiet: NoiseModel = {
  roundSigma: 0,
  windowSigma: 0,
  driftStepSigma: 0,
  trendPerRound: 0,
  burstProbability: 0,
  burstFactor: [1, 1],
  runSigma: 0,
};

describe('simulated rounds', () => {
  it('are reproducible from the seed', () => {
    const a = simulateRounds(DEFAULT_NOISE, { pairs: 10, trueRatio: 1.05, interleaved: true, random: createRandom(3) });
    const b = simulateRounds(DEFAULT_NOISE, { pairs: 10, trueRatio: 1.05, interleaved: true, random: createRandom(3) });
    expect(a).toEqual(b);
  });
  it('interleaved: each pair runs its two variants back to back, in both orders across pairs', () => {
    const rounds = simulateRounds(DEFAULT_NOISE, {
      pairs: 20,
      trueRatio: 1,
      interleaved: true,
      random: createRandom(4),
    });
    for (let k = 0; k < 20; k++) {
      const pair = rounds.slice(2 * k, 2 * k + 2);
      expect(pair.map((r) => r.pair)).toEqual([k, k]);
      expect(new Set(pair.map((r) => r.variant))).toEqual(new Set(['baseline', 'candidate']));
    }
    expect(rounds.filter((r, i) => i % 2 === 0 && r.variant === 'candidate').length).toBeGreaterThan(3);
    expect(rounds.filter((r, i) => i % 2 === 0 && r.variant === 'baseline').length).toBeGreaterThan(3);
  });
  it('before/after: all baseline rounds first, so a trend lands on the candidate', () => {
    const trend = { ...quiet, trendPerRound: 0.01 };
    const rounds = simulateRounds(trend, { pairs: 10, trueRatio: 1, interleaved: false, random: createRandom(5) });
    expect(rounds.slice(0, 10).every((r) => r.variant === 'baseline')).toBe(true);
    const mean = (v: string) =>
      rounds.filter((r) => r.variant === v).reduce((s, r) => s + (r.values.latency_p95 as number), 0) / 10;
    expect(mean('candidate') / mean('baseline')).toBeCloseTo(Math.exp(0.1), 6);
  });
  it('applies the true ratio to the candidate exactly when there is no noise', () => {
    const rounds = simulateRounds(quiet, { pairs: 3, trueRatio: 1.1, interleaved: true, random: createRandom(6) });
    const byVariant = (v: string) => rounds.filter((r) => r.variant === v).map((r) => r.values.latency_p95);
    expect(byVariant('baseline')).toEqual([100, 100, 100]);
    for (const c of byVariant('candidate')) expect(c).toBeCloseTo(110, 9);
  });
});

describe('simulated gate runs', () => {
  const gate = {
    target: {
      kind: 'regression' as const,
      expression: 'latency_p95 worsens <= 0%',
      metric: 'latency_p95',
      maxRegression: 0,
    },
    method: 'hodges-lehmann' as const,
    alpha: 0.02,
    minPairs: 10,
    blockPairs: 5,
    maxPairs: 30,
    spending: 'obrien-fleming' as const,
  };
  it('a clear 30 % slowdown fails early, before the budget', () => {
    const outcome = simulateGateRun(DEFAULT_NOISE, gate, 1.3, 1);
    expect(outcome.status).toBe('fail');
    expect(outcome.pairsUsed).toBeLessThan(30);
    expect(outcome.looks).toBeGreaterThan(1); // look 1 (10 pairs) cannot decide at OBF's tiny alpha
  });
  it('A/A runs rarely fail (200 seeded runs, at most 2 % allowing for sampling error)', () => {
    let failures = 0;
    for (let i = 0; i < 200; i++) if (simulateGateRun(DEFAULT_NOISE, gate, 1, 1000 + i).status === 'fail') failures++;
    expect(failures).toBeLessThanOrEqual(4);
  });
  it('the alternatives: the 200 % ratio rule never fires on a 10 % slowdown; benchstat does', () => {
    let ratio200 = 0;
    let benchstat = 0;
    for (let i = 0; i < 50; i++) {
      const a = simulateAlternatives(DEFAULT_NOISE, { pairs: 30, trueRatio: 1.1, alpha: 0.02, seed: i });
      if (a.ratioRule200) ratio200++;
      if (a.benchstatMannWhitney) benchstat++;
    }
    expect(ratio200).toBe(0);
    expect(benchstat).toBeGreaterThan(40);
  });
});
