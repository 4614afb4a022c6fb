import { describe, expect, it } from 'vitest';
import {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  recordLatencyMs,
  summarizeLatency,
} from '../../src/load/latency-histogram.js';
import { seededRandom } from '../../src/load/seeded-random.js';

describe('latency histogram', () => {
  it('keeps the same footprint after 10,000 and after 1,000,000 latencies', () => {
    const histogram = createLatencyHistogram();
    const random = seededRandom(42);
    const recordMany = (n: number) => {
      // Latencies from 0.05 ms to ~60 s, so the whole range of buckets is touched.
      for (let i = 0; i < n; i++) recordLatencyMs(histogram, 0.05 * Math.exp(random() * 14));
    };
    recordMany(10_000);
    const small = histogram.estimatedFootprintInBytes;
    recordMany(990_000);
    expect(histogram.totalCount).toBe(1_000_000);
    expect(histogram.estimatedFootprintInBytes).toBe(small);
    expect(small).toBeLessThan(256 * 1024);
  });

  it('reports percentiles in ms to 3 significant digits and clamps values beyond 60 s', () => {
    const histogram = createLatencyHistogram();
    for (let i = 1; i <= 99; i++) recordLatencyMs(histogram, i); // 1..99 ms
    recordLatencyMs(histogram, 120_000); // beyond the range: counted as 60 s, not dropped
    const summary = summarizeLatency(histogram);
    expect(Math.abs(summary.p50 - 50) / 50).toBeLessThan(0.001 + 1e-9);
    expect(Math.abs(summary.p90 - 90) / 90).toBeLessThan(0.001 + 1e-9);
    expect(summary.max).toBeGreaterThanOrEqual(59_990);
    expect(histogram.totalCount).toBe(100);
  });

  it('never reports a percentile above the largest or below the smallest latency recorded', () => {
    // 12.345 ms lands in a bucket whose highest value is 12.351 ms: HdrHistogram's own p99 is that, above the max.
    const histogram = createLatencyHistogram();
    for (let i = 0; i < 100; i++) recordLatencyMs(histogram, 12.345);
    expect(histogram.getValueAtPercentile(99)).toBeGreaterThan(histogram.maxValue);
    const summary = summarizeLatency(histogram);
    expect(summary).toMatchObject({ p50: 12.345, p90: 12.345, p95: 12.345, p99: 12.345, max: 12.345 });

    const spread = createLatencyHistogram();
    const random = seededRandom(7);
    for (let i = 0; i < 500; i++) recordLatencyMs(spread, 3 + 40 * random() ** 4);
    const s = summarizeLatency(spread);
    expect([s.p50, s.p90, s.p95, s.p99, s.max]).toEqual([s.p50, s.p90, s.p95, s.p99, s.max].sort((a, b) => a - b));
    expect(s.p50).toBeGreaterThanOrEqual(spread.minNonZeroValue / 1000);
  });

  it('round-trips through the compressed base64 form', () => {
    const histogram = createLatencyHistogram();
    for (let i = 0; i < 1000; i++) recordLatencyMs(histogram, 2 + (i % 37));
    const copy = decodeHistogram(encodeHistogram(histogram));
    expect(copy.totalCount).toBe(1000);
    expect(copy.getValueAtPercentile(99)).toBe(histogram.getValueAtPercentile(99));
  });

  it('summarizes an empty histogram as zeros', () => {
    expect(summarizeLatency(createLatencyHistogram())).toEqual({ p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0 });
  });
});
