import { describe, expect, it } from 'vitest';
import {
  fitNoiseModel,
  judgeAlternatives,
  kindLabel,
  noiseFloor,
  type StoredRound,
  type StoredRun,
  summarizeAlternatives,
  summarizeGateOutcomes,
  welchTTest,
} from '../../bench/calibration/calibration.js';
import { DEFAULT_NOISE, type NoiseModel, simulateRounds } from '../../bench/calibration/simulate.js';
import { createRandom } from '../../src/stats/prng.js';

const M = 'latency_p95';

/** Interleaved rounds from per-pair (baseline, candidate) values of M, baseline first in each pair. */
function interleaved(pairs: [number, number][], extra: Partial<StoredRound>[] = []): StoredRound[] {
  const rounds = pairs.flatMap(([b, c], pair): StoredRound[] => [
    { index: 2 * pair, pair, variant: 'baseline', valid: true, invalidReasons: [], values: { [M]: b } },
    { index: 2 * pair + 1, pair, variant: 'candidate', valid: true, invalidReasons: [], values: { [M]: c } },
  ]);
  return [
    ...rounds,
    ...extra.map((e, i) => ({
      index: 1000 + i,
      pair: 1000 + i,
      variant: 'baseline' as const,
      valid: true,
      invalidReasons: [],
      values: {},
      ...e,
    })),
  ];
}

/** Before/after rounds: every baseline value, then every candidate value. */
function beforeAfter(baseline: number[], candidate: number[]): StoredRound[] {
  return [
    ...baseline.map(
      (v, k): StoredRound => ({
        index: k,
        pair: k,
        variant: 'baseline',
        valid: true,
        invalidReasons: [],
        values: { [M]: v },
      }),
    ),
    ...candidate.map(
      (v, k): StoredRound => ({
        index: baseline.length + k,
        pair: k,
        variant: 'candidate',
        valid: true,
        invalidReasons: [],
        values: { [M]: v },
      }),
    ),
  ];
}

function run(partial: Partial<StoredRun> & Pick<StoredRun, 'slowdown' | 'run'>): StoredRun {
  return { verdict: 'pass', targets: [], pairsUsed: 10, wallMs: 60_000, rounds: [], naiveRounds: [], ...partial };
}

const target = (metric: string, status: 'pass' | 'fail' | 'inconclusive') => ({
  expression: `${metric} worsens <= 0%`,
  metric,
  status,
  estimate: 0,
  ci: [0, 0] as [number, number],
});

describe('summarizeGateOutcomes', () => {
  it('gives false-alarm, detection and inconclusive rates per kind, leaving errored runs out of the rates', () => {
    const runs = [
      run({
        slowdown: 0,
        run: 1,
        verdict: 'fail',
        targets: [target(M, 'fail'), target('pipeline_time', 'pass')],
        pairsUsed: 10,
        wallMs: 50_000,
      }),
      run({
        slowdown: 0,
        run: 2,
        verdict: 'pass',
        targets: [target(M, 'pass'), target('pipeline_time', 'pass')],
        pairsUsed: 10,
        wallMs: 70_000,
      }),
      run({
        slowdown: 0,
        run: 3,
        verdict: 'pass',
        targets: [target(M, 'pass'), target('pipeline_time', 'pass')],
        pairsUsed: 15,
        wallMs: 60_000,
      }),
      run({
        slowdown: 0,
        run: 4,
        verdict: 'inconclusive',
        targets: [target(M, 'inconclusive'), target('pipeline_time', 'pass')],
        pairsUsed: 20,
        wallMs: 80_000,
      }),
      run({ slowdown: 0, run: 5, verdict: 'error', error: 'boot: port in use' }),
      run({
        slowdown: 0.1,
        run: 1,
        verdict: 'fail',
        targets: [target(M, 'fail'), target('pipeline_time', 'inconclusive')],
        pairsUsed: 10,
      }),
      run({
        slowdown: 0.1,
        run: 2,
        verdict: 'inconclusive',
        targets: [target(M, 'inconclusive'), target('pipeline_time', 'inconclusive')],
        pairsUsed: 20,
      }),
    ];
    const [aa, slow] = summarizeGateOutcomes(runs);
    expect(aa).toMatchObject({
      kind: 'A/A',
      runs: 4,
      errors: 1,
      failRate: 0.25,
      passRate: 0.5,
      inconclusiveRate: 0.25,
      meanPairs: 13.75,
      meanWallMs: 65_000,
    });
    expect(aa!.failRateByMetric).toEqual({ [M]: 0.25, pipeline_time: 0 });
    expect(slow).toMatchObject({
      kind: '+10 %',
      runs: 2,
      errors: 0,
      failRate: 0.5,
      inconclusiveRate: 0.5,
      meanPairs: 15,
    });
    expect(slow!.failRateByMetric).toEqual({ [M]: 0.5, pipeline_time: 0 });
  });

  it('orders kinds by slowdown and labels them', () => {
    const kinds = summarizeGateOutcomes([
      run({ slowdown: 0.1, run: 1 }),
      run({ slowdown: 0, run: 1 }),
      run({ slowdown: 0.05, run: 1 }),
    ]).map((k) => k.kind);
    expect(kinds).toEqual(['A/A', '+5 %', '+10 %']);
    expect(kindLabel(0.025)).toBe('+2.5 %');
  });
});

describe('welchTTest', () => {
  // Reference: scripts/reference/welch-reference.py (scipy.stats.ttest_ind, equal_var=False, alternative='greater'), SciPy 1.17.1.
  it.each([
    [
      'small',
      [3.1, 2.9, 3.6, 3.3, 3.0],
      [2.7, 2.8, 2.5, 3.1],
      2.29931847100482,
      6.842604673756734,
      0.02794231038140988,
    ],
    [
      'unequal',
      [10.0, 12.5, 9.8, 15.1, 11.2, 13.7, 10.9],
      [9.9, 10.1, 10.0, 10.2],
      2.4528901747148493,
      6.089594137045183,
      0.024502741150962046,
    ],
    ['reversed', [1.0, 1.2, 0.9], [1.5, 1.7, 1.4, 1.9, 1.6], -4.761977270590678, 5.243084220079857, 0.9977689968811476],
  ])('matches SciPy: %s', (_name, x, y, t, df, p) => {
    const r = welchTTest(x, y);
    expect(r.t).toBeCloseTo(t, 10);
    expect(r.df).toBeCloseTo(df, 8);
    expect(r.pGreater).toBeCloseTo(p, 8);
  });

  it('gives NaN instead of a verdict when a side has fewer than two values or no spread', () => {
    expect(welchTTest([1], [1, 2]).pGreater).toBeNaN();
    expect(welchTTest([2, 2], [2, 2]).pGreater).toBeNaN();
  });
});

describe('judgeAlternatives', () => {
  const noisySame: [number, number][] = [
    [10, 10.4],
    [11, 10.2],
    [9.5, 9.9],
    [10.3, 10.1],
    [10.8, 11.1],
    [9.9, 9.6],
  ];

  it('raises every alarm on a clear 50 % slowdown except the 200 % ratio threshold', () => {
    const slowed = noisySame.map(([b, c]): [number, number] => [b, c * 1.5]);
    const v = judgeAlternatives(
      run({
        slowdown: 0.5,
        run: 1,
        rounds: interleaved(slowed),
        naiveRounds: beforeAfter([10, 10.2, 9.9, 10.1], [15, 15.3, 14.8, 15.2]),
      }),
      M,
      { naiveAlpha: 0.01 },
    );
    expect(v.ratio).toBeCloseTo(
      (1.5 * (10.4 + 10.2 + 9.9 + 10.1 + 11.1 + 9.6)) / (10 + 11 + 9.5 + 10.3 + 10.8 + 9.9),
      12,
    );
    expect(v).toMatchObject({
      ratioRule200: false,
      ratioRule110: true,
      mannWhitneyDifferent: true,
      mannWhitneySlower: true,
      naiveSlower: true,
    });
    expect(v.mannWhitneyP!).toBeLessThan(0.05);
  });

  it('raises none on two samples from the same machine state', () => {
    const v = judgeAlternatives(
      run({
        slowdown: 0,
        run: 1,
        rounds: interleaved(noisySame),
        naiveRounds: beforeAfter([10, 10.6, 9.7, 10.1], [10.2, 9.8, 10.5, 10]),
      }),
      M,
      { naiveAlpha: 0.01 },
    );
    expect(v).toMatchObject({
      ratioRule200: false,
      ratioRule110: false,
      mannWhitneyDifferent: false,
      mannWhitneySlower: false,
      naiveSlower: false,
    });
  });

  it('counts a significant speed-up as "different" but not as a slowdown alarm', () => {
    const faster = noisySame.map(([b, c]): [number, number] => [b, c * 0.6]);
    const v = judgeAlternatives(run({ slowdown: 0, run: 1, rounds: interleaved(faster) }), M, { naiveAlpha: 0.01 });
    expect(v.mannWhitneyDifferent).toBe(true);
    expect(v.mannWhitneySlower).toBe(false);
    expect(v.naiveP).toBeNull();
  });

  it('ignores invalid rounds and rounds without the metric', () => {
    const rounds = interleaved(noisySame, [
      { variant: 'candidate', valid: false, invalidReasons: ['achieved rate too low'], values: { [M]: 5000 } },
      { variant: 'candidate', values: { [M]: null } },
    ]);
    expect(judgeAlternatives(run({ slowdown: 0, run: 1, rounds }), M, { naiveAlpha: 0.01 }).ratioRule110).toBe(false);
  });
});

describe('summarizeAlternatives', () => {
  it('gives alarm rates per kind and counts only runs that have the data for each rule', () => {
    const same: [number, number][] = [
      [10, 10.1],
      [10.2, 9.9],
      [9.8, 10],
      [10.1, 10.2],
      [9.9, 9.8],
    ];
    const slow = same.map(([b, c]): [number, number] => [b, c * 1.3]);
    const runs = [
      run({
        slowdown: 0,
        run: 1,
        rounds: interleaved(same),
        naiveRounds: beforeAfter([10, 10.1, 9.9], [10.05, 9.95, 10.1]),
      }),
      run({ slowdown: 0, run: 2, rounds: interleaved(same) }),
      run({
        slowdown: 0.3,
        run: 1,
        rounds: interleaved(slow),
        naiveRounds: beforeAfter([10, 10.1, 9.9], [13, 13.2, 12.9]),
      }),
      run({
        slowdown: 0.3,
        run: 2,
        rounds: interleaved(same),
        naiveRounds: beforeAfter([10, 10.1, 9.9], [10.05, 9.95, 10.1]),
      }),
      // A run that broke counts for no rule, as it counts for no gate rate.
      run({ slowdown: 0.3, run: 3, verdict: 'error', rounds: interleaved(slow), error: 'bench: candidate died' }),
    ];
    const [aa, slowed] = summarizeAlternatives(runs, M, { naiveAlpha: 0.01 });
    expect(aa!.runs).toMatchObject({ ratioRule110: 2, naiveSlower: 1 });
    expect(aa!.alarmRate).toMatchObject({ ratioRule110: 0, naiveSlower: 0, mannWhitneyDifferent: 0 });
    expect(slowed!.runs.ratioRule110).toBe(2);
    expect(slowed!.alarmRate).toMatchObject({
      ratioRule110: 0.5,
      ratioRule200: 0,
      mannWhitneySlower: 0.5,
      naiveSlower: 0.5,
    });
  });
});

describe('noiseFloor', () => {
  it('pools the within-run spread of paired log ratios and reports the systematic A/A offset apart', () => {
    const d1 = [0.1, -0.1, 0.1, -0.1];
    const d2 = [0.2, 0, 0.2, 0];
    const toRounds = (ds: number[]) => interleaved(ds.map((d): [number, number] => [100, 100 * Math.exp(d)]));
    const floor = noiseFloor(
      [run({ slowdown: 0, run: 1, rounds: toRounds(d1) }), run({ slowdown: 0, run: 2, rounds: toRounds(d2) })],
      M,
      { alpha: 0.01, power: 0.8, budgets: [10, 20] },
    );
    const sd = Math.sqrt((8 * 0.01) / 6);
    expect(floor.runs).toBe(2);
    expect(floor.pairs).toBe(8);
    expect(floor.meanLogRatio).toBeCloseTo(0.05, 12);
    expect(floor.sdOfRunMeans).toBeCloseTo(Math.SQRT2 * 0.05, 12);
    expect(floor.sdLogRatio).toBeCloseTo(sd, 12);
    expect(floor.robustSdLogRatio).toBeCloseTo(1.4826 * 0.1, 12);
    // t quantiles from SciPy: t.ppf(0.995, 9) = 3.249835541592126, t.ppf(0.8, 9) = 0.8834038596855346,
    // t.ppf(0.995, 19) = 2.8609346064649794, t.ppf(0.8, 19) = 0.8609505502689286.
    expect(floor.minDetectableEffect[0]!.change).toBeCloseTo(
      Math.expm1(((3.249835541592126 + 0.8834038596855346) * sd) / Math.sqrt(10)),
      6,
    );
    expect(floor.minDetectableEffect[1]!.change).toBeCloseTo(
      Math.expm1(((2.8609346064649794 + 0.8609505502689286) * sd) / Math.sqrt(20)),
      6,
    );
  });

  it('has nothing to say without A/A pairs', () => {
    const floor = noiseFloor([], M, { alpha: 0.01, power: 0.8, budgets: [10] });
    expect(floor.sdLogRatio).toBeNull();
    expect(floor.minDetectableEffect).toEqual([{ pairs: 10, change: null }]);
  });
});

describe('fitNoiseModel', () => {
  const quiet: NoiseModel = {
    roundSigma: 0.05,
    windowSigma: 0,
    driftStepSigma: 0,
    trendPerRound: 0,
    burstProbability: 0,
    burstFactor: [1.1, 1.8],
    runSigma: 0.1,
  };
  /** Many A/A runs simulated from a known model, as calibrate-real would store them. */
  function aaRuns(model: NoiseModel, count: number, seed: number): StoredRun[] {
    const random = createRandom(seed);
    return Array.from({ length: count }, (_, i) =>
      run({
        slowdown: 0,
        run: i + 1,
        rounds: simulateRounds(model, { pairs: 20, trueRatio: 1, interleaved: true, random }),
      }),
    );
  }

  it('recovers the round noise and finds no drift, window, trend or bursts where there are none', () => {
    const fit = fitNoiseModel(aaRuns(quiet, 150, 7), M, DEFAULT_NOISE).model;
    expect(fit.roundSigma).toBeGreaterThan(0.045);
    expect(fit.roundSigma).toBeLessThan(0.055);
    expect(fit.driftStepSigma).toBeLessThan(0.015);
    // A square root of a difference of two noisy mean squares: ~0.01-0.02 is this data size's floor.
    expect(fit.windowSigma).toBeLessThan(0.025);
    expect(Math.abs(fit.trendPerRound)).toBeLessThan(0.0005);
    expect(fit.burstProbability).toBeLessThan(0.005);
    expect(fit.runSigma).toBeGreaterThan(0.08);
    expect(fit.runSigma).toBeLessThan(0.12);
  });

  it('sees bursts, window noise, drift and a trend when the model has them', () => {
    const noisy: NoiseModel = {
      ...quiet,
      windowSigma: 0.05,
      driftStepSigma: 0.02,
      trendPerRound: 0.002,
      burstProbability: 0.05,
      burstFactor: [1.5, 2],
    };
    const fit = fitNoiseModel(aaRuns(noisy, 150, 11), M, DEFAULT_NOISE).model;
    expect(fit.burstProbability).toBeGreaterThan(0.02);
    expect(fit.burstProbability).toBeLessThan(0.06);
    expect(fit.burstFactor[0]).toBeGreaterThan(1.2);
    // The largest burst difference also carries two rounds' ordinary noise, so it overshoots 2 a little.
    expect(fit.burstFactor[1]).toBeLessThan(2.6);
    expect(fit.windowSigma).toBeGreaterThan(0.03);
    expect(fit.windowSigma).toBeLessThan(0.07);
    expect(fit.driftStepSigma).toBeGreaterThan(0.01);
    expect(fit.driftStepSigma).toBeLessThan(0.03);
    expect(fit.trendPerRound).toBeGreaterThan(0.001);
  });
});
