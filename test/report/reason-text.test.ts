/**
 * The gate's reasons in words. results.json stores these sentences (`note`, `decision.method`,
 * `decision.multipleComparisons`) and people read them in the report, so the expected texts below are
 * the sentences perf-gate wrote before the gate returned data: a change here is a change of wording.
 */
import { describe, expect, it } from 'vitest';
import { evaluateTargets } from '../../src/gate/evaluate-targets.js';
import type { Target } from '../../src/gate/target.js';
import type { CandidateFailures, ErrorControl, TargetReason } from '../../src/gate/target-reason.js';
import { errorControlText, exclusionText, targetNote } from '../../src/report/reason-text.js';
import { METRICS, pairedRounds, round } from '../helpers/round-fixtures.js';

const FAILURES: CandidateFailures = {
  rounds: 5,
  roundsWithoutSuccess: 5,
  requests: 400,
  failed: 400,
  errors: { status: { '500': 400 }, timeout: 0, reset: 0, other: 0 },
};

describe('targetNote', () => {
  it('a decided relative target: change, level, interval, side of the threshold, pairs', () => {
    const reason: TargetReason = {
      kind: 'decided',
      status: 'inconclusive',
      relative: true,
      unit: 'ms',
      samples: 12,
      estimate: -0.175,
      interval: [-0.264, -0.063],
      level: 0.975,
      threshold: -0.2,
      crossCheck: { method: 't', status: 'inconclusive', agrees: true },
    };
    expect(targetNote('pipeline_time improves >= 20%', reason)).toBe(
      'pipeline_time improves >= 20%: change -17.5 %, 97.5 % interval [-26.4 %, -6.3 %] straddles the threshold -20.0 % (12 pairs): inconclusive.',
    );
  });

  it('a decided absolute target: the candidate in the metric unit, four significant digits, and a cross-check that disagrees', () => {
    const reason: TargetReason = {
      kind: 'decided',
      status: 'pass',
      relative: false,
      unit: 'ms',
      samples: 9,
      estimate: 33.2149,
      interval: [3.5, 69],
      level: 1 - 0.02 / 3,
      threshold: 300,
      crossCheck: { method: 'hodges-lehmann', status: 'inconclusive', agrees: false },
    };
    expect(targetNote('pipeline_time < 300', reason)).toBe(
      'pipeline_time < 300: candidate 33.21 ms, 99.33 % interval [3.5 ms, 69 ms] wholly on the passing side of the threshold 300 ms (9 rounds): pass. Cross-check: the hodges-lehmann interval says inconclusive; a few rounds may dominate the result.',
    );
    expect(
      targetNote('x', {
        ...reason,
        status: 'fail',
        relative: true,
        estimate: 0.12,
        interval: [0.08, 0.16],
        threshold: 0.05,
        crossCheck: { ...reason.crossCheck, agrees: true },
      }),
    ).toBe(
      'x: change +12.0 %, 99.33 % interval [+8.0 %, +16.0 %] wholly on the failing side of the threshold +5.0 % (9 pairs): fail.',
    );
  });

  it('a rate judged on its pooled counts says how many events of how many trials, and the dispersion allowed for', () => {
    const reason: TargetReason = {
      kind: 'decided',
      status: 'inconclusive',
      relative: false,
      unit: 'ratio',
      samples: 6,
      estimate: 0,
      interval: [0, 0.0127107],
      level: 0.98,
      threshold: 0.01,
      crossCheck: { method: 't', status: 'pass', agrees: false },
      counts: { events: 0, trials: 360, dispersion: 1 },
    };
    expect(targetNote('error_rate <= 1%', reason)).toMatch(
      /^error_rate <= 1%: candidate 0 ratio \(0 of 360 pooled, dispersion between rounds ×1\), 98 % interval \[0 ratio, 0\.01271 ratio\] straddles the threshold 0\.01 ratio \(6 rounds\): inconclusive\./,
    );
  });

  it('too few samples for a distribution-free interval names the number needed at that level', () => {
    expect(
      targetNote('pool_wait_p95 <= 10', {
        kind: 'too-few-samples',
        relative: false,
        samples: 6,
        level: 0.98,
        needed: 7,
      }),
    ).toBe(
      'pool_wait_p95 <= 10: inconclusive; 6 rounds are too few for a distribution-free 98 % interval (at least 7 needed at this level).',
    );
  });

  it('no data: the valid count, the minimum, and what was left out counted by cause', () => {
    expect(targetNote('t', { kind: 'no-data', relative: true, samples: 4, needed: 5, excluded: [] })).toBe(
      't: no data, 4 valid pairs (at least 5 needed).',
    );
    expect(
      targetNote('pool_wait_p95 < 10', {
        kind: 'no-data',
        relative: false,
        samples: 0,
        needed: 5,
        excluded: [
          { count: 3, cause: 'round-invalid', variant: 'candidate', invalidReasons: ['rate missed'] },
          { count: 1, cause: 'not-measured', variant: 'candidate', metric: 'pool_wait_p95', serverMetricsProblems: [] },
        ],
      }),
    ).toBe(
      'pool_wait_p95 < 10: no data, 0 valid candidate rounds (at least 5 needed); excluded: 3× candidate round invalid (rate missed); pool_wait_p95 not measured in the candidate round.',
    );
  });

  it('causes that read alike are counted together, as the sentence reads', () => {
    const excluded = [
      { count: 1, cause: 'round-invalid' as const, variant: 'baseline' as const, invalidReasons: [] },
      { count: 2, cause: 'round-invalid' as const, variant: 'baseline' as const, invalidReasons: ['no reason given'] },
    ];
    expect(targetNote('t', { kind: 'no-data', relative: true, samples: 0, needed: 5, excluded })).toBe(
      't: no data, 0 valid pairs (at least 5 needed); excluded: 3× baseline round invalid (no reason given).',
    );
  });

  it('a candidate that answered no request: the counts, then why that fails this metric', () => {
    const failed = (metricKind: 'error-rate' | 'latency' | 'other') =>
      targetNote('t', { kind: 'candidate-failed', metricKind, failures: FAILURES });
    expect(failed('error-rate')).toBe(
      't: fail; in 5 of 5 candidate rounds no request succeeded (400 of 400 requests failed: HTTP 500 × 400): an error rate of 100 % in those rounds.',
    );
    expect(failed('latency')).toMatch(
      /\): latency is measured on successful responses, and a request that never succeeds meets no latency bound\.$/,
    );
    expect(failed('other')).toMatch(
      /\): a round that serves no request successfully does none of the work this metric measures\.$/,
    );
  });

  it('words what the gate decided on real rounds exactly as results.json has always said it', () => {
    // Pairs left out for every cause there is: invalid rounds, a zero and a negative value, a missing round of
    // each variant, a server metric the scrape lost, and an invalid round without a recorded reason.
    const rounds = [
      ...pairedRounds('pipeline_time', 4, 0.7, 0.03, 20),
      round(12, 'baseline', { pipeline_time: 100 }),
      round(12, 'candidate', { pipeline_time: 1000 }, false),
      round(13, 'baseline', { pipeline_time: 100 }),
      round(13, 'candidate', { pipeline_time: 1000 }, false),
      round(14, 'baseline', { pipeline_time: 0 }),
      round(14, 'candidate', { pipeline_time: 3 }),
      round(15, 'candidate', { pipeline_time: 3 }),
      round(16, 'baseline', { pipeline_time: 3 }),
      { ...round(17, 'baseline', { pipeline_time: null }), serverMetricsProblems: ['counter reset', 'scrape failed'] },
      round(17, 'candidate', { pipeline_time: 4 }),
      { ...round(18, 'baseline', { pipeline_time: 5 }, false), invalidReasons: [] },
      round(18, 'candidate', { pipeline_time: 4 }),
      round(19, 'baseline', { pipeline_time: -1 }),
      round(19, 'candidate', { pipeline_time: 4 }),
    ];
    const targets: Target[] = [
      {
        kind: 'improvement',
        expression: 'pipeline_time improves >= 20%',
        metric: 'pipeline_time',
        minImprovement: 0.2,
      },
      { kind: 'absolute', expression: 'pipeline_time < 300', metric: 'pipeline_time', comparator: '<', threshold: 300 },
    ];
    const evaluation = evaluateTargets(targets, rounds, METRICS);
    expect(evaluation.targets.map((t) => targetNote(t.expression, t.reason))).toEqual([
      'pipeline_time improves >= 20%: no data, 4 valid pairs (at least 5 needed); excluded: 2× candidate round invalid (rate missed); pipeline_time is 0 in the baseline round, so no ratio can be formed; baseline round missing; candidate round missing; pipeline_time not measured in the baseline round (counter reset, scrape failed); baseline round invalid (no reason given); pipeline_time is -1 in the baseline round, so no ratio can be formed.',
      'pipeline_time < 300: candidate 33.21 ms, 98 % interval [3.5 ms, 69 ms] wholly on the passing side of the threshold 300 ms (9 rounds): pass.',
    ]);
    expect(errorControlText(evaluation.errorControl)).toBe(
      'One target judged with a 98 % interval: a wrong pass or fail has probability at most 2 %, a false alarm at most 1 %. 1 target(s) without enough data were not judged and count as inconclusive.',
    );
  });
});

describe('exclusionText', () => {
  it('words each cause with its details', () => {
    expect(exclusionText({ cause: 'round-missing', variant: 'candidate' })).toBe('candidate round missing');
    expect(
      exclusionText({ cause: 'round-invalid', variant: 'baseline', invalidReasons: ['rate missed', 'late'] }),
    ).toBe('baseline round invalid (rate missed, late)');
    expect(
      exclusionText({
        cause: 'not-measured',
        variant: 'baseline',
        metric: 'pool_wait_p95',
        serverMetricsProblems: ['counter reset between scrapes'],
      }),
    ).toBe('pool_wait_p95 not measured in the baseline round (counter reset between scrapes)');
    expect(exclusionText({ cause: 'not-positive', variant: 'candidate', metric: 'm', value: 0 })).toBe(
      'm is 0 in the candidate round, so no ratio can be formed',
    );
  });
});

describe('errorControlText', () => {
  const sequential: ErrorControl['sequential'] = {
    look: 2,
    looks: 6,
    alphaOverAllLooks: 0.02,
    spending: 'obrien-fleming',
  };

  it('no interval at all: only what failed outright', () => {
    expect(
      errorControlText({
        procedure: 'none',
        alpha: 0.02,
        judged: 0,
        notJudged: 0,
        failedWithoutTest: { targets: 4, failures: FAILURES },
      }),
    ).toBe(
      'No target was judged with an interval. 4 target(s) failed without a test: in 5 of 5 candidate rounds no request succeeded (400 of 400 requests failed: HTTP 500 × 400).',
    );
  });

  it('one interval at a sequential look: its level, the alpha spent at the look and over all looks', () => {
    expect(
      errorControlText({
        procedure: 'single-interval',
        alpha: 0.00023153683129682433,
        judged: 1,
        notJudged: 1,
        sequential,
      }),
    ).toBe(
      'One target judged with a 100 % interval: a wrong pass or fail has probability at most 0.0232 %, a false alarm at most 0.0116 %. This is look 2 of 6; it uses α = 0.0232 % of the 2 % spent over all looks (obrien-fleming spending), so stopping early does not raise the error rate. 1 target(s) without enough data were not judged and count as inconclusive.',
    );
  });

  it("Holm's step-down: the family size and the levels of its first and last step", () => {
    const alpha = 0.05;
    expect(
      errorControlText({
        procedure: 'holm',
        alpha,
        judged: 3,
        levels: { first: 1 - alpha / 3, last: 1 - alpha },
        notJudged: 1,
      }),
    ).toBe(
      "3 targets judged together with Holm's step-down procedure: the chance that any of them gets a wrong pass or fail is at most 5 % (a false alarm at most 2.5 %); each interval is shown at the level of its Holm step, between 98.3 % and 95 %. 1 target(s) without enough data were not judged and count as inconclusive.",
    );
  });
});
