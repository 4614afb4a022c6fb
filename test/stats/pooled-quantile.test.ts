import { describe, expect, it } from 'vitest';
import {
  createLatencyHistogram,
  encodeHistogram,
  latencyCountsOnGrid,
  recordLatencyMs,
  summarizeLatency,
} from '../../src/load/latency-histogram.js';
import {
  bucketOf,
  cumulativeCounts,
  logGrid,
  pooledQuantile,
  pooledQuantileRatio,
} from '../../src/stats/pooled-quantile.js';
import { createRandom } from '../../src/stats/prng.js';

const grid = logGrid(0.05, 120_000, 1.01);

function binned(values: readonly number[]) {
  const counts = new Float64Array(grid.upper.length);
  for (const v of values) counts[bucketOf(grid, v)]! += 1;
  return cumulativeCounts(counts);
}

/** The exact q-quantile of a sample (the value at rank ceil(q·n)). */
function sampleQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

const lognormalSample = (seed: number, n: number, scale = 1) => {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => 5 * scale * Math.exp(0.5 * random.normal()));
};

describe('the bucket grid', () => {
  it('log-spaced edges from the lowest value; values go to the bucket whose upper edge they do not pass', () => {
    const small = logGrid(1, 10, 2);
    expect([...small.upper]).toEqual([2, 4, 8, 16]);
    expect(bucketOf(small, 0.5)).toBe(0);
    expect(bucketOf(small, 2)).toBe(0);
    expect(bucketOf(small, 2.0001)).toBe(1);
    expect(bucketOf(small, 16)).toBe(3);
    expect(bucketOf(small, 1e9)).toBe(3);
  });

  it('refuses a grid that is not one', () => {
    expect(() => logGrid(0, 10, 2)).toThrow(/lowest/);
    expect(() => logGrid(1, 10, 1)).toThrow(/ratio > 1/);
  });
});

describe('pooledQuantile', () => {
  it('lands within one bucket (1 %) of the exact quantile of the pooled requests', () => {
    const rounds = [1, 2, 3, 4].map((seed) => lognormalSample(seed, 150));
    const exact = sampleQuantile(rounds.flat(), 0.95);
    const pooled = pooledQuantile(grid, rounds.map(binned), 0.95);
    expect(Math.abs(Math.log(pooled / exact))).toBeLessThan(Math.log(1.01));
  });

  it('weights count a round that many times: 0 leaves it out, 2 counts it twice', () => {
    const a = lognormalSample(1, 200);
    const b = lognormalSample(2, 200, 3);
    const rounds = [binned(a), binned(b)];
    expect(pooledQuantile(grid, rounds, 0.5, [1, 0])).toBe(pooledQuantile(grid, [binned(a)], 0.5));
    expect(pooledQuantile(grid, rounds, 0.5, [2, 1])).toBe(pooledQuantile(grid, [binned([...a, ...a, ...b])], 0.5));
    expect(pooledQuantile(grid, rounds, 0.5, [0, 0])).toBeNaN();
  });
});

describe('pooledQuantileRatio', () => {
  const pairs = (effect: number, n = 12) =>
    Array.from({ length: n }, (_, i) => ({
      baseline: binned(lognormalSample(100 + i, 140)),
      candidate: binned(lognormalSample(500 + i, 140, 1 + effect)),
    }));

  it.each(['percentile', 'bootstrap-t', 'jackknife-t'] as const)(
    '%s: a candidate 30 %% slower is estimated near log 1.3 with an interval around it',
    (method) => {
      const result = pooledQuantileRatio(grid, pairs(0.3), 0.95, 0.98, { method, seed: 3, resamples: 500 });
      expect(result.estimate).toBeGreaterThan(Math.log(1.15));
      expect(result.estimate).toBeLessThan(Math.log(1.45));
      expect(result.interval[0]).toBeLessThan(result.estimate);
      expect(result.interval[1]).toBeGreaterThan(result.estimate);
      expect(result.interval[0]).toBeGreaterThan(0);
      expect(result.standardError).toBeGreaterThan(0);
    },
  );

  it('is reproducible from its seed, and differs with another seed', () => {
    const data = pairs(0);
    const one = pooledQuantileRatio(grid, data, 0.95, 0.98, { method: 'percentile', seed: 7, resamples: 300 });
    const again = pooledQuantileRatio(grid, data, 0.95, 0.98, { method: 'percentile', seed: 7, resamples: 300 });
    const other = pooledQuantileRatio(grid, data, 0.95, 0.98, { method: 'percentile', seed: 8, resamples: 300 });
    expect(again).toEqual(one);
    expect(other.interval).not.toEqual(one.interval);
  });

  it('gives no interval from fewer than 3 pairs', () => {
    const result = pooledQuantileRatio(grid, pairs(0, 2), 0.95, 0.98, { method: 'jackknife-t' });
    expect(Number.isFinite(result.estimate)).toBe(true);
    expect(result.interval.every(Number.isNaN)).toBe(true);
  });
});

describe('latencyCountsOnGrid', () => {
  it("puts every request of a round's HDR histogram on the grid, its p95 agreeing with the round's own", () => {
    const histogram = createLatencyHistogram();
    const values = lognormalSample(9, 1000);
    for (const v of values) recordLatencyMs(histogram, v);
    const counts = latencyCountsOnGrid(encodeHistogram(histogram), grid);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
    const fromGrid = pooledQuantile(grid, [cumulativeCounts(counts)], 0.95);
    expect(Math.abs(Math.log(fromGrid / summarizeLatency(histogram).p95))).toBeLessThan(Math.log(1.012));
  });
});
