import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedInterval, boundedSamples, judgeOnBounds, verdictOf } from '../../src/gate/bucket-bound.js';
import { evaluateTargets } from '../../src/gate/evaluate-targets.js';
import type { Target } from '../../src/gate/target.js';
import type { MetricInfo, RoundRecord, ValueBound } from '../../src/model/round-record.js';
import { analyzeLocation } from '../../src/stats/location-analysis.js';
import { fixtureRounds } from '../helpers/results-fixtures.js';

const METRICS: MetricInfo[] = [
  { name: 'pool_wait_p95', unit: 'ms', direction: 'lower-is-better', source: 'server', description: 'pool wait' },
];
const below = (threshold: number): Target => ({
  kind: 'absolute',
  expression: `pool_wait_p95 < ${threshold}ms`,
  metric: 'pool_wait_p95',
  comparator: '<',
  threshold,
});
const guard: Target = {
  kind: 'regression',
  expression: 'pool_wait_p95 worsens <= 5%',
  metric: 'pool_wait_p95',
  maxRegression: 0.05,
};

/** Ten pairs whose pool_wait_p95 is `value` with `bound` in the variants named. */
function boundRounds(value: number, bound: ValueBound, variants: ('baseline' | 'candidate')[]): RoundRecord[] {
  return fixtureRounds(10).map((r) => ({
    ...r,
    values: { ...r.values, pool_wait_p95: value },
    ...(variants.includes(r.variant) ? { bounds: { pool_wait_p95: bound } } : {}),
  }));
}

function judged(target: Target, rounds: RoundRecord[]) {
  const evaluated = evaluateTargets([target], rounds, METRICS, { minPairs: 5 }).targets[0]!;
  return { evaluated, bounded: judgeOnBounds(evaluated, target, rounds) };
}

describe('targets on bucket-bound quantiles', () => {
  // The field case: every wait under the 0.5 ms bucket, so p95 interpolates to 475 µs in every round.
  const lowest = boundRounds(0.475, { lower: 0, upper: 0.5 }, ['baseline', 'candidate']);

  it('an absolute bound below the threshold in every candidate round passes, on the bucket, not on 475 µs', () => {
    const { evaluated, bounded } = judged(below(10), lowest);
    expect(evaluated.ci).toEqual([0.475, 0.475]);
    expect(bounded.status).toBe('pass');
    expect(bounded.ci).toEqual([0, 0.5]);
    expect(bounded.minDetectableEffect).toBeNull();
    expect(bounded.bucketBound).toEqual({ bound: 10, samples: 10, lower: 0, upper: 0.5 });
  });

  it('a threshold inside the bucket cannot be decided, whatever the interpolation says', () => {
    const { evaluated, bounded } = judged(below(0.3), lowest);
    expect(evaluated.status).toBe('fail');
    expect(bounded.status).toBe('inconclusive');
    expect(bounded.ci).toEqual([0, 0.5]);
  });

  it('a ratio of two quantiles both under the lowest bound is unknown: a guard on it is not met by [0 %, 0 %]', () => {
    const { evaluated, bounded } = judged(guard, lowest);
    expect(evaluated.ci).toEqual([0, 0]);
    expect(evaluated.status).toBe('pass');
    expect(bounded.status).toBe('inconclusive');
    expect(bounded.bucketBound).toEqual({ bound: 10, samples: 10, lower: null, upper: null });
  });

  it('a rank beyond the highest bucket is only a lower bound: it can fail a target, never pass one', () => {
    const beyond = boundRounds(5, { lower: 5, upper: null }, ['candidate']);
    expect(judged(below(10), beyond).evaluated.status).toBe('pass');
    expect(judged(below(10), beyond).bounded.status).toBe('inconclusive');
    expect(judged(below(4), beyond).bounded.status).toBe('fail');
    expect(judged(below(4), beyond).bounded.bucketBound).toMatchObject({ lower: 5, upper: null });
  });

  it('leaves a target whose samples are all measured as it was, and the verdict is formed as the gate forms it', () => {
    const rounds = fixtureRounds(10);
    const evaluated = evaluateTargets([below(10)], rounds, METRICS, { minPairs: 5 }).targets[0]!;
    expect(judgeOnBounds(evaluated, below(10), rounds)).toBe(evaluated);
    expect(boundedSamples(rounds, 'pool_wait_p95', false)).toBeUndefined();
    expect(verdictOf([{ status: 'pass' }, { status: 'inconclusive' }])).toBe('inconclusive');
    expect(verdictOf([{ status: 'pass' }, { status: 'fail' }])).toBe('fail');
    expect(verdictOf([{ status: 'pass' }])).toBe('pass');
    expect(verdictOf([])).toBe('inconclusive');
  });

  it('the interval on the bounds holds the interval of any values inside them (Hodges–Lehmann is monotone)', () => {
    const range = fc
      .tuple(fc.double({ min: 0.1, max: 100, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }))
      .map(([low, width]) => ({ low, high: low + width }));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(range, fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 8, maxLength: 20 }),
        (samples) => {
          const values = samples.map(([r, at]) => r.low + at * (r.high - r.low));
          const [low, high] = boundedInterval(
            { lower: samples.map(([r]) => r.low), upper: samples.map(([r]) => r.high) },
            'hodges-lehmann',
            0.95,
          );
          const [a, b] = analyzeLocation(values, 'hodges-lehmann').interval(0.95);
          return low <= a + 1e-12 && b <= high + 1e-12;
        },
      ),
      { seed: 19, numRuns: 200 },
    );
  });
});
