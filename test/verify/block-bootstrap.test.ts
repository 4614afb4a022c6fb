import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/stats/prng.js';
import {
  blockBootstrapMean,
  blockLengthFor,
  circularBlockMeans,
  edgeCorrection,
  iidMeanInterval,
  lag1Autocorrelation,
} from '../../src/verify/block-bootstrap.js';

function ar1(n: number, phi: number, seed: number): number[] {
  const random = createRandom(seed);
  const out: number[] = [];
  let x = random.normal();
  for (let t = 0; t < n; t++) {
    if (t > 0) x = phi * x + Math.sqrt(1 - phi * phi) * random.normal();
    out.push(x);
  }
  return out;
}

describe('block length', () => {
  it('is 1 for independent buckets and grows with the autocorrelation and the series length', () => {
    expect(blockLengthFor(120, 0)).toBe(1);
    expect(blockLengthFor(120, -0.4)).toBe(1);
    expect(blockLengthFor(120, 0.5)).toBeLessThan(blockLengthFor(120, 0.8));
    expect(blockLengthFor(60, 0.8)).toBeLessThan(blockLengthFor(240, 0.8));
    // (6 r² / (1 - r²)²)^(1/3) n^(1/3) at r = 0.8, n = 120: 2.97 · 4.93 = 14.7.
    expect(blockLengthFor(120, 0.8)).toBe(15);
    // Never more than a quarter of the series.
    expect(blockLengthFor(30, 0.9)).toBe(7);
  });

  it('reads the lag-1 autocorrelation of an AR(1) series near its coefficient', () => {
    expect(lag1Autocorrelation(ar1(4000, 0.8, 3))).toBeCloseTo(0.8, 1);
    expect(Math.abs(lag1Autocorrelation(ar1(4000, 0, 3)))).toBeLessThan(0.05);
  });

  it('gives back the variance lost at block edges, capped at 2', () => {
    expect(edgeCorrection(10, 0)).toBe(1);
    // 2 · 0.8 / (15 · 0.36) = 0.296 of the variance missing.
    expect(edgeCorrection(15, 0.8)).toBeCloseTo(1 / (1 - 0.2963), 3);
    expect(edgeCorrection(2, 0.9)).toBe(2);
  });
});

describe('circularBlockMeans', () => {
  it('is seeded: the same seed gives the same resamples, another seed others', () => {
    const values = ar1(60, 0.5, 1);
    expect(circularBlockMeans(values, 5, 50, 7)).toEqual(circularBlockMeans(values, 5, 50, 7));
    expect(circularBlockMeans(values, 5, 50, 7)).not.toEqual(circularBlockMeans(values, 5, 50, 8));
  });

  it('centres on the sample mean: every bucket is drawn equally often, wrapping past the end', () => {
    const values = ar1(50, 0.6, 2);
    const means = circularBlockMeans(values, 7, 20_000, 3);
    const sampleMean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(means.reduce((a, b) => a + b, 0) / means.length).toBeCloseTo(sampleMean, 2);
  });

  it('with blocks as long as the series, every resample is a rotation: its mean is the sample mean', () => {
    const values = [1, 2, 3, 4, 10];
    for (const m of circularBlockMeans(values, 5, 20, 1)) expect(m).toBeCloseTo(4, 12);
  });
});

describe('blockBootstrapMean', () => {
  it('a constant series has a zero-width interval at its value', () => {
    const analysis = blockBootstrapMean(new Array(30).fill(0.2), { seed: 1 });
    expect(analysis.interval(0.98)).toEqual([0.2, 0.2]);
    expect(analysis.pValue(0.2)).toBe(1);
    expect(analysis.pValue(0.1)).toBe(0);
  });

  it('is wider than the iid interval on an autocorrelated series, and about as wide on an independent one', () => {
    const width = ([a, b]: [number, number]) => b - a;
    const dependent = ar1(120, 0.8, 5);
    const independent = ar1(120, 0, 5);
    expect(width(blockBootstrapMean(dependent, { seed: 1 }).interval(0.95))).toBeGreaterThan(
      2 * width(iidMeanInterval(dependent, 0.95)),
    );
    const ratio =
      width(blockBootstrapMean(independent, { seed: 1 }).interval(0.95)) / width(iidMeanInterval(independent, 0.95));
    expect(ratio).toBeGreaterThan(0.85);
    expect(ratio).toBeLessThan(1.2);
  });

  it('has a p-value at most 1 - level exactly when the interval at that level excludes the bound', () => {
    const analysis = blockBootstrapMean(
      ar1(90, 0.5, 9).map((x) => 0.1 + 0.05 * x),
      { seed: 4 },
    );
    for (const bound of [-0.05, 0, 0.05, 0.08, 0.1, 0.12, 0.2]) {
      for (const level of [0.9, 0.98, 0.995]) {
        const [low, high] = analysis.interval(level);
        const excluded = bound < low || bound > high;
        expect(analysis.pValue(bound) <= 1 - level + 1e-12).toBe(excluded);
      }
    }
  });

  it('covers the true mean of AR(1) series (phi 0.8, 60 buckets) far more often than the iid interval', () => {
    let bootstrapHits = 0;
    let iidHits = 0;
    const runs = 300;
    for (let r = 0; r < runs; r++) {
      const values = ar1(60, 0.8, 1000 + r);
      const [low, high] = blockBootstrapMean(values, { seed: r, resamples: 500 }).interval(0.95);
      if (low <= 0 && high >= 0) bootstrapHits++;
      const [il, ih] = iidMeanInterval(values, 0.95);
      if (il <= 0 && ih >= 0) iidHits++;
    }
    // docs/verify.md: 93.3 % against 48.0 % at this setting (2,000 series per cell).
    expect(bootstrapHits / runs).toBeGreaterThan(0.85);
    expect(iidHits / runs).toBeLessThan(0.65);
  });
});
