import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { evaluateTargets, minSamplesForDistributionFree } from '../../src/gate/evaluate-targets.js';
import type { Target } from '../../src/gate/target.js';
import { clientMetricValues } from '../../src/load/client-metric-values.js';
import { CLIENT_METRICS, type RoundRecord } from '../../src/model/round-record.js';
import { alphaForLook, decideContinuation, planLooks } from '../../src/stats/sequential.js';
import { METRICS, mergeRounds, pairedRounds, round } from '../helpers/round-fixtures.js';

const improves = (metric: string, m: number): Target => ({
  kind: 'improvement',
  expression: `${metric} improves >= ${m * 100}%`,
  metric,
  minImprovement: m,
});
const worsens = (metric: string, m: number): Target => ({
  kind: 'regression',
  expression: `${metric} worsens <= ${m * 100}%`,
  metric,
  maxRegression: m,
});
const absolute = (metric: string, comparator: '<' | '<=' | '>' | '>=', threshold: number): Target => ({
  kind: 'absolute',
  expression: `${metric} ${comparator} ${threshold}`,
  metric,
  comparator,
  threshold,
});

function statusOf(target: Target, rounds: ReturnType<typeof pairedRounds>, options = {}) {
  const result = evaluateTargets([target], rounds, METRICS, options);
  return { target: result.targets[0]!, verdict: result.verdict, result };
}

describe('relative improvement targets', () => {
  it('lower-is-better "improves >= 20 %" passes when the whole interval is below -20 %', () => {
    const { target, verdict } = statusOf(
      improves('pipeline_time', 0.2),
      pairedRounds('pipeline_time', 20, 0.7, 0.03, 1),
    );
    expect(target.status).toBe('pass');
    expect(verdict).toBe('pass');
    expect(target.estimate!).toBeGreaterThan(-0.33);
    expect(target.estimate!).toBeLessThan(-0.27);
    expect(target.ci![1]).toBeLessThan(-0.2);
    expect(target.threshold).toBeCloseTo(-0.2, 12);
    expect(target.confidenceLevel).toBeCloseTo(0.98, 12);
  });
  it('fails when the whole interval is above -20 % (only a 10 % improvement)', () => {
    const { target, verdict } = statusOf(
      improves('pipeline_time', 0.2),
      pairedRounds('pipeline_time', 20, 0.9, 0.03, 2),
    );
    expect(target.status).toBe('fail');
    expect(verdict).toBe('fail');
    expect(target.ci![0]).toBeGreaterThan(-0.2);
  });
  it('is inconclusive when the interval straddles the threshold', () => {
    const { target, verdict } = statusOf(
      improves('pipeline_time', 0.2),
      pairedRounds('pipeline_time', 8, 0.8, 0.15, 3),
    );
    expect(target.status).toBe('inconclusive');
    expect(verdict).toBe('inconclusive');
    expect(target.ci![0]).toBeLessThan(-0.2);
    expect(target.ci![1]).toBeGreaterThan(-0.2);
  });
  it('higher-is-better mirrors: throughput +30 % passes "improves >= 20 %", +5 % fails', () => {
    expect(statusOf(improves('throughput', 0.2), pairedRounds('throughput', 20, 1.3, 0.03, 4)).target.status).toBe(
      'pass',
    );
    const fail = statusOf(improves('throughput', 0.2), pairedRounds('throughput', 20, 1.05, 0.03, 5)).target;
    expect(fail.status).toBe('fail');
    expect(fail.threshold).toBeCloseTo(0.2, 12);
    expect(statusOf(improves('throughput', 0.2), pairedRounds('throughput', 8, 1.2, 0.15, 6)).target.status).toBe(
      'inconclusive',
    );
  });
});

describe('relative regression guards', () => {
  it('lower-is-better "worsens <= 5 %": unchanged passes, +15 % fails, +5 % with noise is inconclusive', () => {
    expect(
      statusOf(worsens('pipeline_time', 0.05), pairedRounds('pipeline_time', 25, 1.0, 0.02, 7)).target.status,
    ).toBe('pass');
    const fail = statusOf(worsens('pipeline_time', 0.05), pairedRounds('pipeline_time', 25, 1.15, 0.02, 8)).target;
    expect(fail.status).toBe('fail');
    expect(fail.estimate!).toBeGreaterThan(0.1);
    expect(
      statusOf(worsens('pipeline_time', 0.05), pairedRounds('pipeline_time', 10, 1.05, 0.1, 9)).target.status,
    ).toBe('inconclusive');
  });
  it('higher-is-better "worsens <= 5 %": unchanged passes, -15 % fails, -5 % with noise is inconclusive', () => {
    expect(statusOf(worsens('throughput', 0.05), pairedRounds('throughput', 25, 1.0, 0.02, 10)).target.status).toBe(
      'pass',
    );
    expect(statusOf(worsens('throughput', 0.05), pairedRounds('throughput', 25, 0.85, 0.02, 11)).target.status).toBe(
      'fail',
    );
    expect(statusOf(worsens('throughput', 0.05), pairedRounds('throughput', 10, 0.95, 0.1, 12)).target.status).toBe(
      'inconclusive',
    );
  });
});

describe("absolute targets on the candidate's own values", () => {
  it('"pool_wait_p95 < 10": 5 ms passes, 15 ms fails, 10 ms with noise is inconclusive', () => {
    const pass = statusOf(absolute('pool_wait_p95', '<', 10), pairedRounds('pool_wait_p95', 12, 1, 0.05, 13, 5)).target;
    expect(pass.status).toBe('pass');
    expect(pass.estimate!).toBeGreaterThan(4);
    expect(pass.estimate!).toBeLessThan(6);
    expect(pass.threshold).toBe(10);
    expect(
      statusOf(absolute('pool_wait_p95', '<', 10), pairedRounds('pool_wait_p95', 12, 1, 0.05, 14, 15)).target.status,
    ).toBe('fail');
    expect(
      statusOf(absolute('pool_wait_p95', '<', 10), pairedRounds('pool_wait_p95', 12, 1, 0.2, 15, 10)).target.status,
    ).toBe('inconclusive');
  });
  it('"early_exit_ratio > 0.3" (higher-is-better rate): 0.45 passes, 0.2 fails', () => {
    expect(
      statusOf(absolute('early_exit_ratio', '>', 0.3), pairedRounds('early_exit_ratio', 10, 1, 0.05, 16, 0.45)).target
        .status,
    ).toBe('pass');
    expect(
      statusOf(absolute('early_exit_ratio', '>=', 0.3), pairedRounds('early_exit_ratio', 10, 1, 0.05, 17, 0.2)).target
        .status,
    ).toBe('fail');
  });
  it('a value exactly on the bound passes "<=" and fails "<"', () => {
    const rounds = Array.from({ length: 6 }, (_, k) => [
      round(k, 'baseline', { pool_wait_p95: 3 }),
      round(k, 'candidate', { pool_wait_p95: 10 }),
    ]).flat();
    expect(statusOf(absolute('pool_wait_p95', '<=', 10), rounds, { method: 't' }).target.status).toBe('pass');
    expect(statusOf(absolute('pool_wait_p95', '<', 10), rounds, { method: 't' }).target.status).toBe('fail');
    // Six rounds cannot give a distribution-free 98 % interval (2/2^6 > 0.02): honest inconclusive.
    const hl = statusOf(absolute('pool_wait_p95', '<=', 10), rounds).target;
    expect(hl.status).toBe('inconclusive');
    expect(hl.reason).toEqual({ kind: 'too-few-samples', relative: false, samples: 6, level: 0.98, needed: 7 });
  });
});

describe('no data, invalid rounds and the overall verdict', () => {
  it('too few valid pairs gives no-data, never pass, and the verdict is inconclusive', () => {
    const { target, verdict } = statusOf(
      improves('pipeline_time', 0.2),
      pairedRounds('pipeline_time', 4, 0.5, 0.01, 18),
    );
    expect(target.status).toBe('no-data');
    expect(target.estimate).toBeNull();
    expect(target.ci).toBeNull();
    expect(verdict).toBe('inconclusive');
    expect(target.reason).toEqual({ kind: 'no-data', relative: true, samples: 4, needed: 5, excluded: [] });
  });
  it('minPairs is configurable', () => {
    expect(
      statusOf(improves('pipeline_time', 0.2), pairedRounds('pipeline_time', 4, 0.5, 0.01, 18), {
        minPairs: 3,
        method: 't',
      }).target.status,
    ).toBe('pass');
  });
  it('a metric never measured (null values) gives no-data with the reason', () => {
    const rounds = pairedRounds('pipeline_time', 10, 0.5, 0.01, 19).map((r) => ({
      ...r,
      values: { pipeline_time: null },
    }));
    const { target } = statusOf(improves('pipeline_time', 0.2), rounds);
    expect(target.status).toBe('no-data');
    // Ten pairs left out for one cause are one group of ten, with the round the value was missing from.
    expect(target.reason).toEqual({
      kind: 'no-data',
      relative: true,
      samples: 0,
      needed: 5,
      excluded: [
        { count: 10, cause: 'not-measured', variant: 'baseline', metric: 'pipeline_time', serverMetricsProblems: [] },
      ],
    });
  });
  it('invalid rounds are excluded: a wild invalid round cannot turn a pass into a fail', () => {
    const good = pairedRounds('pipeline_time', 12, 0.7, 0.03, 20);
    // Two extra pairs whose candidate rounds were invalid (say, rate missed) and read 10x slower.
    const bad = [
      round(12, 'baseline', { pipeline_time: 100 }),
      round(12, 'candidate', { pipeline_time: 1000 }, false),
      round(13, 'baseline', { pipeline_time: 100 }),
      round(13, 'candidate', { pipeline_time: 1000 }, false),
    ];
    const { target } = statusOf(improves('pipeline_time', 0.2), [...good, ...bad]);
    expect(target.status).toBe('pass');
    expect(target.samples).toBe(12);
    expect(target.excluded).toHaveLength(2);
    expect(target.excluded[0]).toEqual({
      pair: 12,
      cause: 'round-invalid',
      variant: 'candidate',
      invalidReasons: ['rate missed'],
    });
    // The same wild rounds marked valid do change the outcome: the exclusion is what protects it.
    const asValid = bad.map((r) => ({ ...r, valid: true }));
    expect(statusOf(improves('pipeline_time', 0.2), [...good, ...asValid]).target.status).not.toBe('pass');
  });
  it('absolute targets leave out invalid candidate rounds too', () => {
    const good = pairedRounds('pool_wait_p95', 10, 1, 0.05, 35, 5);
    const bad = [round(10, 'baseline', { pool_wait_p95: 5 }), round(10, 'candidate', { pool_wait_p95: 500 }, false)];
    const { target } = statusOf(absolute('pool_wait_p95', '<', 10), [...good, ...bad]);
    expect(target.status).toBe('pass');
    expect(target.samples).toBe(10);
    expect(target.excluded).toEqual([
      { pair: 10, cause: 'round-invalid', variant: 'candidate', invalidReasons: ['rate missed'] },
    ]);
  });
  it('one failing target makes the verdict fail; all passing makes it pass; no-data blocks pass', () => {
    const rounds = mergeRounds(
      pairedRounds('pipeline_time', 20, 0.7, 0.03, 21),
      pairedRounds('throughput', 20, 1.0, 0.02, 22),
      pairedRounds('pool_wait_p95', 20, 1, 0.05, 23, 5),
    );
    const passing = [improves('pipeline_time', 0.2), worsens('throughput', 0.05), absolute('pool_wait_p95', '<', 10)];
    expect(evaluateTargets(passing, rounds, METRICS).verdict).toBe('pass');
    expect(evaluateTargets([...passing, improves('throughput', 0.2)], rounds, METRICS).verdict).toBe('fail');
    const noData = evaluateTargets([...passing, improves('db_query_time', 0.3)], rounds, METRICS);
    expect(noData.targets[3]!.status).toBe('no-data');
    expect(noData.verdict).toBe('inconclusive');
    expect(evaluateTargets([], rounds, METRICS).verdict).toBe('inconclusive');
  });
  it('an unknown metric or a bad option is an input error naming what was given', () => {
    const rounds = pairedRounds('pipeline_time', 10, 0.7, 0.03, 24);
    expect(() => evaluateTargets([improves('nope', 0.2)], rounds, METRICS)).toThrow(InputError);
    expect(() => evaluateTargets([improves('nope', 0.2)], rounds, METRICS)).toThrow(/got "nope"/);
    expect(() => evaluateTargets([improves('pipeline_time', 1.5)], rounds, METRICS)).toThrow(InputError);
    expect(() => evaluateTargets([improves('pipeline_time', 0.2)], rounds, METRICS, { alpha: 2 })).toThrow(
      /option 'alpha': got 2/,
    );
  });
});

describe('multiple targets: Holm step-down', () => {
  // A target whose decision p-value lies between alpha/3 and alpha: decided alone, not with two
  // undecided companions (Holm tests the smallest p at alpha/3), decided again when the companions
  // are clearly decided (step-down reaches level alpha for the largest p).
  const alpha = 0.02;
  const base = pairedRounds('pipeline_time', 12, 0.7, 0.04, 25);
  function withShift(ratioShift: number) {
    return base.map((r) =>
      r.variant === 'candidate'
        ? { ...r, values: { pipeline_time: (r.values.pipeline_time as number) * ratioShift } }
        : r,
    );
  }
  let borderline = base;
  for (let s = 1.0; s < 1.2; s += 0.0005) {
    const candidate = withShift(s);
    const p = evaluateTargets([improves('pipeline_time', 0.2)], candidate, METRICS, { alpha, method: 't' }).targets[0]!
      .rawPValue!;
    if (p > (alpha / 3) * 1.2 && p < alpha * 0.8) {
      borderline = candidate;
      break;
    }
  }

  it('a borderline target passes alone', () => {
    const alone = evaluateTargets([improves('pipeline_time', 0.2)], borderline, METRICS, { alpha, method: 't' });
    expect(alone.targets[0]!.rawPValue!).toBeGreaterThan(alpha / 3);
    expect(alone.targets[0]!.status).toBe('pass');
  });
  it('becomes inconclusive among two undecided targets, its interval shown at the Holm level', () => {
    const undecided = mergeRounds(
      borderline,
      pairedRounds('throughput', 12, 1.2, 0.2, 26),
      pairedRounds('pool_wait_p95', 12, 1, 0.3, 27, 10),
    );
    const result = evaluateTargets(
      [improves('pipeline_time', 0.2), improves('throughput', 0.2), absolute('pool_wait_p95', '<', 10)],
      undecided,
      METRICS,
      { alpha, method: 't' },
    );
    expect(result.targets.map((t) => t.status)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
    expect(result.targets[0]!.confidenceLevel).toBeCloseTo(1 - alpha / 3, 12);
    expect(result.targets[0]!.pValue!).toBeCloseTo(Math.min(1, 3 * result.targets[0]!.rawPValue!), 12);
    expect(result.errorControl).toEqual({
      procedure: 'holm',
      alpha,
      judged: 3,
      levels: { first: 1 - alpha / 3, last: 1 - alpha },
      notJudged: 0,
    });
    expect(result.targets[0]!.reason).toMatchObject({
      kind: 'decided',
      status: 'inconclusive',
      relative: true,
      samples: 12,
      level: result.targets[0]!.confidenceLevel,
    });
  });
  it('passes again when the other targets are clearly decided (step-down)', () => {
    const decided = mergeRounds(
      borderline,
      pairedRounds('throughput', 12, 1.6, 0.01, 28),
      pairedRounds('pool_wait_p95', 12, 1, 0.01, 29, 2),
    );
    const result = evaluateTargets(
      [improves('pipeline_time', 0.2), improves('throughput', 0.2), absolute('pool_wait_p95', '<', 10)],
      decided,
      METRICS,
      { alpha, method: 't' },
    );
    expect(result.targets.map((t) => t.status)).toEqual(['pass', 'pass', 'pass']);
    expect(result.targets[0]!.confidenceLevel).toBeCloseTo(1 - alpha, 12);
  });
});

describe('Holm: intervals never show a decision the step-down did not make', () => {
  // Two targets with raw p-values 0.0115 and 0.015 at alpha 0.02: the smaller is above alpha/2, so
  // Holm keeps both, although 0.015 alone would be below its own step level 0.02.
  function roundsWithRawP(metric: string, seed: number, wanted: number) {
    const base = pairedRounds(metric, 12, 0.7, 0.04, seed);
    const shifted = (s: number) =>
      base.map((r) =>
        r.variant === 'candidate' ? { ...r, values: { [metric]: (r.values[metric] as number) * s } } : r,
      );
    const rawP = (s: number) =>
      evaluateTargets([improves(metric, 0.2)], shifted(s), METRICS, { method: 't' }).targets[0]!.rawPValue!;
    // The estimate moves toward the threshold as s grows, so the p-value grows: bisect.
    let lo = 0.8;
    let hi = 1.25;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (rawP(mid) < wanted) lo = mid;
      else hi = mid;
    }
    return shifted(lo);
  }
  it('keeps the second target undecided and reports it at the level of the first kept step', () => {
    const rounds = mergeRounds(roundsWithRawP('pipeline_time', 40, 0.0115), roundsWithRawP('db_query_time', 41, 0.015));
    const result = evaluateTargets([improves('pipeline_time', 0.2), improves('db_query_time', 0.2)], rounds, METRICS, {
      alpha: 0.02,
      method: 't',
    });
    expect(result.targets[0]!.rawPValue!).toBeCloseTo(0.0115, 4);
    expect(result.targets[1]!.rawPValue!).toBeCloseTo(0.015, 4);
    expect(result.targets.map((t) => t.status)).toEqual(['inconclusive', 'inconclusive']);
    expect(result.targets[1]!.confidenceLevel).toBeCloseTo(0.99, 12);
    expect(result.targets[1]!.pValue!).toBeGreaterThan(0.02);
  });
});

describe('reporting extras', () => {
  it('gives a robust cross-check and a minimum detectable effect that shrinks with more pairs', () => {
    const few = statusOf(worsens('pipeline_time', 0.05), pairedRounds('pipeline_time', 8, 1.0, 0.05, 30)).target;
    const many = statusOf(worsens('pipeline_time', 0.05), pairedRounds('pipeline_time', 40, 1.0, 0.05, 30)).target;
    expect(many.minDetectableEffect!).toBeLessThan(few.minDetectableEffect!);
    expect(many.minDetectableEffect!).toBeGreaterThan(0);
    expect(many.crossCheck!.otherMethod.method).toBe('t');
    expect(many.crossCheck!.otherMethod.ci[0]).toBeLessThan(many.crossCheck!.otherMethod.ci[1]);
    expect(many.crossCheck!.mannWhitneyPValue!).toBeGreaterThan(0);
    expect(many.crossCheck!.agrees).toBe(true);
    expect(many.baselineValue!).toBeGreaterThan(50);
  });
  it('reads "Detectable" off the interval used: never below its half-width, wider at a stricter Holm level', () => {
    const rounds = mergeRounds(
      pairedRounds('pipeline_time', 12, 1.02, 0.05, 35),
      pairedRounds('db_query_time', 12, 1.02, 0.05, 36),
    );
    const one = statusOf(worsens('pipeline_time', 0), rounds).target;
    const [first] = evaluateTargets(
      [worsens('pipeline_time', 0), worsens('db_query_time', 0)],
      rounds,
      METRICS,
    ).targets;
    for (const t of [one, first!]) {
      const [low, high] = t.ci!.map(Math.log1p) as [number, number];
      const centre = Math.log1p(t.estimate!);
      expect(Math.log1p(t.minDetectableEffect!)).toBeGreaterThan(Math.max(centre - low, high - centre));
    }
    expect(first!.confidenceLevel!).toBeGreaterThanOrEqual(one.confidenceLevel!);
    expect(first!.minDetectableEffect!).toBeGreaterThanOrEqual(one.minDetectableEffect!);
  });
  it('a distribution-free interval needs 7 pairs at 98 % and 9 at the first Holm level of three targets', () => {
    expect(minSamplesForDistributionFree(0.98)).toBe(7);
    expect(minSamplesForDistributionFree(1 - 0.02 / 3)).toBe(9);
  });
  it('says how many pairs an inconclusive target would need, consistent with its minimum detectable effect', () => {
    const t = statusOf(worsens('pipeline_time', 0), pairedRounds('pipeline_time', 10, 1.03, 0.05, 34), {
      method: 't',
    }).target;
    expect(t.status).toBe('inconclusive');
    expect(t.samplesNeeded!).toBeGreaterThan(10);
    // With that many pairs, the MDE formula at the same spread reaches the observed distance.
    const sd = t.minDetectableEffect!; // at n = 10
    expect(Math.log1p(sd)).toBeGreaterThan(Math.abs(Math.log1p(t.estimate!)));
  });
  it('a sequential look uses only the alpha spent at that look, giving a wider interval', () => {
    const rounds = pairedRounds('pipeline_time', 10, 0.75, 0.05, 31);
    const plan = planLooks({ alpha: 0.02, minPairs: 10, blockPairs: 5, maxPairs: 30 });
    const fixed = evaluateTargets([improves('pipeline_time', 0.2)], rounds, METRICS, { alpha: 0.02 });
    const look1 = evaluateTargets([improves('pipeline_time', 0.2)], rounds, METRICS, { sequential: { plan, look: 1 } });
    expect(look1.alpha).toBeCloseTo(alphaForLook(plan, 1), 15);
    expect(look1.alpha).toBeLessThan(0.02 / 5);
    expect(look1.look).toBe(1);
    const width = (t: (typeof fixed.targets)[0]) => t.ci![1] - t.ci![0];
    expect(width(look1.targets[0]!)).toBeGreaterThan(width(fixed.targets[0]!));
    expect(look1.errorControl).toEqual({
      procedure: 'single-interval',
      alpha: look1.alpha,
      judged: 1,
      notJudged: 0,
      sequential: { look: 1, looks: 5, alphaOverAllLooks: 0.02, spending: 'obrien-fleming' },
    });
  });
  it('does not modify the rounds it is given', () => {
    const rounds = pairedRounds('pipeline_time', 10, 0.75, 0.05, 33);
    const copy = structuredClone(rounds);
    evaluateTargets([improves('pipeline_time', 0.2), absolute('pipeline_time', '<', 100)], rounds, METRICS);
    expect(rounds).toEqual(copy);
  });
  it('the same input gives the same output, bootstrap included (seeded)', () => {
    const rounds = pairedRounds('pipeline_time', 15, 0.75, 0.05, 32);
    const a = evaluateTargets([improves('pipeline_time', 0.2)], rounds, METRICS, { method: 'bootstrap', seed: 7 });
    const b = evaluateTargets([improves('pipeline_time', 0.2)], rounds, METRICS, { method: 'bootstrap', seed: 7 });
    expect(a).toEqual(b);
    const t = evaluateTargets([improves('pipeline_time', 0.2)], rounds, METRICS, { method: 't' });
    const hl = evaluateTargets([improves('pipeline_time', 0.2)], rounds, METRICS);
    expect(hl.targets[0]!.method).toBe('hodges-lehmann');
    expect(t.targets[0]!.crossCheck!.otherMethod.ci).toEqual(hl.targets[0]!.ci);
    expect(hl.targets[0]!.crossCheck!.otherMethod.ci).toEqual(t.targets[0]!.ci);
    // With t the estimate is the geometric-mean ratio.
    expect(t.targets[0]!.estimate).toBeCloseTo(t.targets[0]!.geometricMeanChange!, 12);
  });
});

describe('a candidate whose requests fail', () => {
  const CLIENT = CLIENT_METRICS;
  /** A round with the client figures of `requests` requests of which `ok` succeeded, the rest answered 500. */
  const measured = (
    pair: number,
    variant: 'baseline' | 'candidate',
    ok: number,
    requests = 80,
    valid = true,
  ): RoundRecord => {
    const r = round(pair, variant, {}, valid);
    r.client = {
      ...r.client,
      requests,
      ok,
      errors: { status: requests > ok ? { '500': requests - ok } : {}, timeout: 0, reset: 0, other: 0 },
      achievedRate: 20,
    };
    r.values = clientMetricValues(r.client);
    if (ok > 0) r.values = { ...r.values, latency_p95: 10 + pair / 10 };
    return r;
  };
  const rounds = (candidateOk: (pair: number) => number, pairs = 5, valid = true) =>
    Array.from({ length: pairs }, (_, k) => [
      measured(k, 'baseline', 80),
      measured(k, 'candidate', candidateOk(k), 80, valid),
    ]).flat();
  const errorRate = absolute('error_rate', '<=', 0.01);
  const latency = worsens('latency_p95', 0.1);

  it('answering no request successfully fails every target at once, with the counts, even at a look where no interval could decide', () => {
    const plan = planLooks({ alpha: 0.02, minPairs: 5, blockPairs: 3, maxPairs: 20 });
    const targets = [errorRate, latency, improves('throughput', 0.1), absolute('latency_p50', '<', 100)];
    const result = evaluateTargets(
      targets,
      rounds(() => 0),
      CLIENT,
      { sequential: { plan, look: 1 } },
    );
    expect(result.verdict).toBe('fail');
    expect(result.targets.map((t) => t.status)).toEqual(['fail', 'fail', 'fail', 'fail']);
    expect(result.targets.every((t) => t.decidedBy === 'no-successful-response' && t.ci === null)).toBe(true);
    expect(result.candidateFailures).toEqual({
      rounds: 5,
      roundsWithoutSuccess: 5,
      requests: 400,
      failed: 400,
      errors: { status: { '500': 400 }, timeout: 0, reset: 0, other: 0 },
    });
    expect(result.targets[0]!.estimate).toBe(1);
    expect(result.targets.map((t) => t.reason)).toEqual(
      ['error-rate', 'latency', 'other', 'latency'].map((metricKind) => ({
        kind: 'candidate-failed',
        metricKind,
        failures: result.candidateFailures,
      })),
    );
    expect(result.errorControl).toEqual({
      procedure: 'none',
      alpha: result.alpha,
      judged: 0,
      notJudged: 0,
      failedWithoutTest: { targets: 4, failures: result.candidateFailures },
      sequential: { look: 1, looks: plan.pairsAtLook.length, alphaOverAllLooks: 0.02, spending: 'obrien-fleming' },
    });
    // A clear failure stops the sequential plan at its first look.
    expect(decideContinuation({ plan, look: 1, pairsDone: 5, statuses: result.targets.map((t) => t.status) })).toEqual({
      continue: false,
      reason: 'all targets decided',
    });
  });

  it('one round without a single success among good ones still fails a latency target: the good rounds do not outvote it', () => {
    const result = evaluateTargets(
      [latency],
      rounds((k) => (k === 3 ? 0 : 80), 12),
      CLIENT,
    );
    expect(result.verdict).toBe('fail');
    expect(result.targets[0]!.reason).toEqual({
      kind: 'candidate-failed',
      metricKind: 'latency',
      failures: {
        rounds: 12,
        roundsWithoutSuccess: 1,
        requests: 960,
        failed: 80,
        errors: { status: { '500': 80 }, timeout: 0, reset: 0, other: 0 },
      },
    });
  });

  it('an error_rate target that even a 100 % error rate meets is still judged by its interval', () => {
    const result = evaluateTargets(
      [absolute('error_rate', '<=', 1), errorRate],
      rounds(() => 0, 12),
      CLIENT,
    );
    expect(result.targets[0]!.decidedBy).toBeUndefined();
    expect(result.targets[0]!.status).toBe('pass');
    expect(result.targets[1]!.decidedBy).toBe('no-successful-response');
  });

  it('failing some requests is judged by the statistics as usual, with no outright failure', () => {
    const result = evaluateTargets(
      [errorRate],
      rounds(() => 60, 12),
      CLIENT,
    );
    expect(result.candidateFailures).toBeUndefined();
    expect(result.targets[0]!.decidedBy).toBeUndefined();
    expect(result.targets[0]!.status).toBe('fail');
    expect(result.targets[0]!.estimate).toBeCloseTo(0.25, 12);
  });

  it('rounds the generator could not measure stay missing data, never a failure of the candidate', () => {
    const result = evaluateTargets(
      [errorRate, latency],
      rounds(() => 0, 5, false),
      CLIENT,
    );
    expect(result.candidateFailures).toBeUndefined();
    expect(result.targets.map((t) => t.status)).toEqual(['no-data', 'no-data']);
    expect(result.verdict).toBe('inconclusive');
  });
});

describe('absolute targets on a rate, judged on the pooled counts', () => {
  /** `k` candidate rounds (and baseline rounds alike) of `requests` requests with `errors` failed each. */
  const errorRounds = (k: number, requests: number, errors: number): RoundRecord[] =>
    Array.from({ length: k }, (_, pair) =>
      (['baseline', 'candidate'] as const).map((variant) => {
        const r = round(pair, variant, {});
        r.client = {
          ...r.client,
          requests,
          ok: requests - errors,
          errors: { status: errors > 0 ? { '500': errors } : {}, timeout: 0, reset: 0, other: 0 },
        };
        r.values = clientMetricValues(r.client);
        return r;
      }),
    ).flat();
  const errorRate = (threshold: number) => absolute('error_rate', '<=', threshold);

  it('0 errors in 360 requests over 6 rounds give a finite bound, not "too few rounds", and pass "error_rate <= 2%"', () => {
    const result = evaluateTargets([errorRate(0.01), errorRate(0.02)], errorRounds(6, 60, 0), CLIENT_METRICS, {
      alpha: 0.04,
    });
    const [onePercent, twoPercent] = result.targets;
    // Holm at α = 4 %: "<= 2 %" is rejected first (at 98 %), so "<= 1 %" is shown at the 96 % of the last step.
    expect(twoPercent!.status).toBe('pass');
    expect(twoPercent!.confidenceLevel).toBeCloseTo(0.98, 12);
    expect(onePercent!.confidenceLevel).toBeCloseTo(0.96, 12);
    expect(twoPercent!.rate).toEqual({ events: 0, trials: 360, rounds: 6, dispersion: 1 });
    // 0 of 360 cannot show "<= 1 %" even at 96 % (the bound is 1 − 0.02^(1/360) = 1.08 %; 1.27 % at 98 %):
    // inconclusive, with the finite bound shown.
    expect(onePercent!.status).toBe('inconclusive');
    expect(onePercent!.estimate).toBe(0);
    expect(onePercent!.ci![0]).toBe(0);
    expect(onePercent!.ci![1]).toBeCloseTo(1 - 0.02 ** (1 / 360), 9);
    expect(onePercent!.reason).toMatchObject({ kind: 'decided', counts: { events: 0, trials: 360, dispersion: 1 } });
  });

  it('0 errors in 6 rounds of 84 requests (504) pass "error_rate <= 1%"; the per-round rule could not decide with 6 rounds', () => {
    const { targets, verdict } = evaluateTargets([errorRate(0.01)], errorRounds(6, 84, 0), CLIENT_METRICS);
    const target = targets[0]!;
    expect(verdict).toBe('pass');
    expect(target.confidenceLevel).toBeCloseTo(0.98, 12);
    expect(target.ci![1]).toBeLessThan(0.01);
    expect(target.ci![1]).toBeCloseTo(1 - 0.01 ** (1 / 504), 9);
  });

  it('a 2 % error rate fails "error_rate <= 1%" (5 of 250 in each of 12 rounds)', () => {
    const { targets, verdict } = evaluateTargets([errorRate(0.01)], errorRounds(12, 250, 5), CLIENT_METRICS);
    const target = targets[0]!;
    expect(verdict).toBe('fail');
    expect(target.estimate).toBeCloseTo(0.02, 12);
    expect(target.ci![0]).toBeGreaterThan(0.01);
    expect(target.rate).toEqual({ events: 60, trials: 3000, rounds: 12, dispersion: 1 });
  });

  it("a server ratio with counts is judged on them; rounds without counts fall back to the rounds' values", () => {
    const exits = [30, 33, 28, 35, 31, 29, 32, 34];
    const withCounts = Array.from({ length: exits.length }, (_, pair) =>
      (['baseline', 'candidate'] as const).map((variant) => {
        const r = round(pair, variant, { early_exit_ratio: exits[pair]! / 100 });
        r.counts = { early_exit_ratio: { events: exits[pair]!, trials: 100 } };
        return r;
      }),
    ).flat();
    const target = absolute('early_exit_ratio', '>=', 0.25);
    const pooled = statusOf(target, withCounts).target;
    expect(pooled.status).toBe('pass');
    expect(pooled.estimate).toBeCloseTo(252 / 800, 12);
    expect(pooled.rate).toMatchObject({ events: 252, trials: 800, rounds: 8 });
    const withoutCounts = withCounts.map((r) => (r.pair === 3 ? { ...r, counts: undefined } : r));
    const perRound = statusOf(target, withoutCounts).target;
    expect(perRound.rate).toBeUndefined();
    expect(perRound.reason).not.toHaveProperty('counts');
  });
});
