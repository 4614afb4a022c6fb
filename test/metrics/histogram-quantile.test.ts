import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Bucket, histogramQuantile, histogramQuantileBound } from '../../src/metrics/histogram-quantile.js';
import { parsePrometheusNumber } from '../../src/metrics/prometheus-number.js';

interface ReferenceCase {
  id: string;
  description: string;
  buckets: Array<[string, number | string]>;
  expected: Array<{ q: string; value: string | null }>;
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/metrics/promtool-histogram-quantile.json', import.meta.url), 'utf8'),
) as { prometheus: string; cases: ReferenceCase[] };

function num(text: string | number): number {
  if (typeof text === 'number') return text;
  const value = parsePrometheusNumber(text);
  if (value === undefined) throw new Error(`fixture holds a non-number ${text}`);
  return value;
}

/** Equal to 1e-9 relative; NaN equals NaN and infinities must match exactly. */
function agrees(actual: number, expected: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  if (expected === 0) return Math.abs(actual) <= 1e-12;
  return Math.abs(actual - expected) <= 1e-9 * Math.abs(expected);
}

describe('histogramQuantile agrees with Prometheus (promtool test rules)', () => {
  it('uses a fixture with hand-picked edge cases and seeded random layouts', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(50);
    expect(fixture.prometheus).toMatch(/promtool, version/);
  });

  for (const referenceCase of fixture.cases) {
    it(`${referenceCase.id}: ${referenceCase.description}`, () => {
      const buckets: Bucket[] = referenceCase.buckets.map(([le, count]) => ({
        upperBound: num(le),
        count: num(count),
      }));
      const disagreements: string[] = [];
      for (const { q, value } of referenceCase.expected) {
        // Prometheus returns no sample only when no bucket series exists; none of our cases do that.
        expect(value).not.toBeNull();
        const actual = histogramQuantile(num(q), buckets);
        if (!agrees(actual, num(value!))) disagreements.push(`q=${q}: ours ${actual}, Prometheus ${value}`);
      }
      expect(disagreements).toEqual([]);
    });
  }
});

describe('histogramQuantile edge cases, by the rules in promql/quantile.go', () => {
  const basic: Bucket[] = [
    { upperBound: 0.1, count: 1 },
    { upperBound: 0.5, count: 3 },
    { upperBound: 1, count: 7 },
    { upperBound: Infinity, count: 10 },
  ];

  it('interpolates linearly inside the bucket that holds the rank', () => {
    // rank 0.5*10 = 5 lies in (0.5, 1] holding counts 3..7: 0.5 + 0.5 * (2/4).
    expect(histogramQuantile(0.5, basic)).toBeCloseTo(0.75, 12);
  });

  it('starts the lowest bucket at 0 when its bound is positive', () => {
    expect(histogramQuantile(0.05, basic)).toBeCloseTo(0.05, 12);
  });

  it('returns the highest finite bound when the rank falls in the +Inf bucket', () => {
    expect(histogramQuantile(0.95, basic)).toBe(1);
  });

  it('answers out-of-range and NaN quantiles before looking at buckets', () => {
    expect(histogramQuantile(-0.5, [])).toBe(-Infinity);
    expect(histogramQuantile(1.5, [])).toBe(Infinity);
    expect(histogramQuantile(Number.NaN, basic)).toBeNaN();
  });

  it('is NaN without observations, without a +Inf bucket, with fewer than two buckets, or with no buckets', () => {
    expect(
      histogramQuantile(
        0.5,
        basic.map((b) => ({ ...b, count: 0 })),
      ),
    ).toBeNaN();
    expect(histogramQuantile(0.5, basic.slice(0, 3))).toBeNaN();
    expect(histogramQuantile(0.5, [{ upperBound: Infinity, count: 4 }])).toBeNaN();
    expect(histogramQuantile(0.5, [])).toBeNaN();
  });

  it('does not depend on the order buckets are given in', () => {
    expect(histogramQuantile(0.5, [...basic].reverse())).toBe(histogramQuantile(0.5, basic));
  });

  it('treats two spellings of one bound as one bucket', () => {
    const split: Bucket[] = [
      { upperBound: 0.1, count: 1 },
      { upperBound: 0.5, count: 1 },
      { upperBound: 0.5, count: 2 },
      { upperBound: 1, count: 7 },
      { upperBound: Infinity, count: 10 },
    ];
    expect(histogramQuantile(0.5, split)).toBe(histogramQuantile(0.5, basic));
  });

  it('snaps counts within a relative 1e-12 of the previous bucket (float noise), as current Prometheus does', () => {
    // The 0.5 bucket holds 3e-12 "observations" of float noise. Unsnapped, a rank of 3 + 1e-12 lands in it
    // and interpolates to ~0.233 (what promtool 2.42, which predates correctPrecisionErrors, answers:
    // 2.3335307179866766E-01); snapped, the noise bucket is empty and the rank moves on to (0.5, 1].
    const noisy: Bucket[] = [
      { upperBound: 0.1, count: 3 },
      { upperBound: 0.5, count: 3.000000000003 },
      { upperBound: 1, count: 10 },
      { upperBound: Infinity, count: 10 },
    ];
    expect(histogramQuantile(0.3000000000001, noisy)).toBeCloseTo(0.5, 9);
  });

  it("does not modify the caller's buckets", () => {
    const input: Bucket[] = [
      { upperBound: 1, count: 5 },
      { upperBound: 0.5, count: 7 },
      { upperBound: Infinity, count: 6 },
    ];
    const copy = structuredClone(input);
    histogramQuantile(0.5, input);
    expect(input).toEqual(copy);
  });
});

describe('histogramQuantileBound: when the buckets bound a quantile rather than measure it', () => {
  const buckets = (counts: number[], bounds = [0.0005, 0.001, 0.0025, Number.POSITIVE_INFINITY]): Bucket[] =>
    bounds.map((upperBound, i) => ({ upperBound, count: counts[i]! }));

  it('every observation in the lowest bucket: at most its bound, and the interpolation is the same in every round', () => {
    for (const n of [3, 40, 1000]) {
      expect(histogramQuantile(0.95, buckets([n, n, n, n]))).toBeCloseTo(0.000475, 12);
      expect(histogramQuantileBound(0.95, buckets([n, n, n, n]))).toEqual({ lower: 0, upper: 0.0005 });
    }
  });

  it('every observation in one middle bucket: between its edges, for any quantile', () => {
    for (const q of [0.01, 0.5, 0.99, 1])
      expect(histogramQuantileBound(q, buckets([0, 0, 7, 7]))).toEqual({ lower: 0.001, upper: 0.0025 });
  });

  it('the rank beyond the highest finite bucket: at least that bound, no upper edge', () => {
    expect(histogramQuantile(0.95, buckets([10, 50, 90, 100]))).toBe(0.0025);
    expect(histogramQuantileBound(0.95, buckets([10, 50, 90, 100]))).toEqual({ lower: 0.0025, upper: null });
  });

  it('observations spread over buckets are interpolated between them: measured, not bound', () => {
    expect(histogramQuantileBound(0.5, buckets([10, 50, 90, 100]))).toBeUndefined();
    // The quantile lands in the lowest bucket, but other observations lie above it: not bound either.
    expect(histogramQuantileBound(0.05, buckets([10, 50, 90, 100]))).toBeUndefined();
  });

  it('a lowest bucket at or below zero bounds from above only', () => {
    expect(histogramQuantileBound(0.5, buckets([5, 5, 5], [0, 1, Number.POSITIVE_INFINITY]))).toEqual({
      lower: null,
      upper: 0,
    });
  });

  it('no answer where histogramQuantile has none: no +Inf bucket, no observation, q outside [0, 1]', () => {
    expect(histogramQuantileBound(0.5, buckets([5, 5, 5], [0.1, 0.2, 0.3]))).toBeUndefined();
    expect(histogramQuantileBound(0.5, buckets([0, 0, 0, 0]))).toBeUndefined();
    for (const q of [Number.NaN, -0.1, 1.1]) expect(histogramQuantileBound(q, buckets([5, 5, 5, 5]))).toBeUndefined();
  });
});
