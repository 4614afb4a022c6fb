/**
 * The mean of an autocorrelated series with an honest interval. Minute buckets of production metrics
 * are not independent: a slow minute is followed by another (a cache cold, a noisy neighbour, a batch
 * job), so the iid standard error of their mean is too small and its interval too narrow
 * (docs/verify.md measures by how much). The circular block bootstrap (Politis & Romano, "A circular
 * block-resampling procedure for stationary data", 1992) resamples runs of consecutive buckets,
 * keeping the dependence within each run; its blocks wrap around the end, so every bucket is
 * equally likely to be drawn and the resampled means centre on the sample mean.
 */
import { studentTQuantile, studentTSurvival } from '../stats/distributions.js';
import { createRandom } from '../stats/prng.js';

export interface SeriesMean {
  estimate: number;
  n: number;
  /** Buckets per resampled block. */
  blockLength: number;
  /** Lag-1 autocorrelation of the series, as used for the block length. */
  lag1: number;
  /** Bootstrap standard error of the mean. */
  standardError: number;
  /** Degrees of freedom of the t quantile: independent blocks in the series, less one. */
  degreesOfFreedom: number;
  /** Two-sided interval of the mean at `level`. */
  interval(level: number): [number, number];
  /** Two-sided p-value of "the mean equals `bound`" (<= 1 - level exactly when the interval excludes it). */
  pValue(bound: number): number;
}

export interface BlockBootstrapOptions {
  seed: number;
  /** Resamples; 2,000 keeps the Monte Carlo error of the standard error near 1.6 %. */
  resamples?: number;
  /** Default: the AR(1) plug-in of Politis & White (see blockLengthFor). */
  blockLength?: number;
}

export function lag1Autocorrelation(values: readonly number[]): number {
  const n = values.length;
  if (n < 3) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    den += d * d;
    if (i > 0) num += d * (values[i - 1]! - mean);
  }
  return den > 0 ? num / den : 0;
}

/**
 * The sample lag-1 autocorrelation of a short series is biased toward zero, by about (1 + 3r) / n
 * under an AR(1) (Marriott & Pope, "Bias in the estimation of autocorrelations", Biometrika 41, 1954).
 * Too short blocks are the block bootstrap's main way to under-cover, so the bias is added back.
 */
export function biasCorrectedLag1(lag1: number, n: number): number {
  return n > 0 ? lag1 + (1 + 3 * lag1) / n : lag1;
}

/**
 * Block length for the mean: Politis & White ("Automatic block-length selection for the dependent
 * bootstrap", Econometric Reviews 23, 2004) give b = (2 G² / D)^(1/3) n^(1/3), with D = (4/3) g(0)²
 * for the circular and moving-block bootstraps. Under an AR(1) with coefficient r this is
 * b = (6 r² / (1 - r²)²)^(1/3) n^(1/3). r is the lag-1 autocorrelation clamped to [0, 0.9]: a negative
 * one needs no blocks, and above 0.9 the formula asks for blocks longer than a short window holds.
 * At least 1, at most n / 4, so that a resample still mixes four blocks.
 */
export function blockLengthFor(n: number, lag1: number): number {
  const r = Math.min(0.9, Math.max(0, lag1));
  const b = Math.cbrt((6 * r * r) / (1 - r * r) ** 2) * Math.cbrt(n);
  return Math.max(1, Math.min(Math.floor(n / 4), Math.round(b)));
}

/**
 * A resample of b-long blocks keeps the covariances within blocks and loses those across block
 * edges, so its variance of the mean falls short by about G / b (in n·variance terms, G the sum of
 * |k| times the lag-k autocovariances; Künsch, "The jackknife and the bootstrap for general
 * stationary observations", Ann. Statist. 17, 1989). Under an AR(1) with coefficient r that is a share
 * 2r / (b (1 - r²)) of the whole, which this factor gives back: 1.4 at r = 0.8 with 15-bucket blocks.
 * Capped at 2, so that a wild estimate of r cannot inflate the interval without bound.
 */
export function edgeCorrection(blockLength: number, lag1: number): number {
  const r = Math.min(0.9, Math.max(0, lag1));
  const missing = (2 * r) / (blockLength * (1 - r * r));
  return missing >= 0.5 ? 2 : 1 / (1 - missing);
}

/**
 * The circular block bootstrap's standard error of the mean, turned into an interval with a Student t
 * quantile on (n / b) - 1 degrees of freedom: with b-long blocks the series holds about n / b
 * independent pieces of information, and a t on that many pieces widens the interval where the
 * bootstrap's own spread is least certain (few blocks). docs/verify.md compares this with the
 * percentile interval and the iid t interval on simulated AR(1) series.
 */
export function blockBootstrapMean(values: readonly number[], options: BlockBootstrapOptions): SeriesMean {
  const n = values.length;
  // Prefix sums and sums leave rounding noise where there is no spread at all (an error ratio flat at 0.5 %).
  const constant = values.every((v) => v === values[0]);
  const estimate = constant ? values[0]! : values.reduce((a, b) => a + b, 0) / n;
  const lag1 = lag1Autocorrelation(values);
  const corrected = biasCorrectedLag1(lag1, n);
  const blockLength = Math.max(1, Math.min(n, options.blockLength ?? blockLengthFor(n, corrected)));
  const replicates = circularBlockMeans(values, blockLength, options.resamples ?? 2000, options.seed);
  const replicateMean = replicates.reduce((a, b) => a + b, 0) / replicates.length;
  const variance = replicates.reduce((a, r) => a + (r - replicateMean) ** 2, 0) / Math.max(1, replicates.length - 1);
  const standardError = constant ? 0 : Math.sqrt(variance * edgeCorrection(blockLength, corrected));
  const degreesOfFreedom = Math.max(1, Math.floor(n / blockLength) - 1);
  return {
    estimate,
    n,
    blockLength,
    lag1,
    standardError,
    degreesOfFreedom,
    ...tInference(estimate, standardError, degreesOfFreedom),
  };
}

/**
 * The interval and p-value of a mean with a standard error and Student t degrees of freedom: the p-value of
 * "the mean equals `bound`" is at most 1 − level exactly when the interval at `level` excludes `bound`.
 */
function tInference(
  estimate: number,
  standardError: number,
  degreesOfFreedom: number,
): Pick<SeriesMean, 'interval' | 'pValue'> {
  return {
    interval: (level) => {
      const half = studentTQuantile(1 - (1 - level) / 2, degreesOfFreedom) * standardError;
      return [estimate - half, estimate + half];
    },
    pValue: (bound) => {
      if (standardError === 0) return estimate === bound ? 1 : 0;
      return Math.min(1, 2 * studentTSurvival(Math.abs(estimate - bound) / standardError, degreesOfFreedom));
    },
  };
}

/**
 * `resamples` means of circular block resamples: ceil(n / b) blocks, each starting at a uniformly drawn
 * bucket and wrapping past the end, the last one cut so that every resample has n buckets. Block sums
 * come from prefix sums over the doubled series, so a resample costs n / b steps, not n.
 */
export function circularBlockMeans(
  values: readonly number[],
  blockLength: number,
  resamples: number,
  seed: number,
): number[] {
  const n = values.length;
  const prefix = new Float64Array(2 * n + 1);
  for (let i = 0; i < 2 * n; i++) prefix[i + 1] = prefix[i]! + values[i % n]!;
  const random = createRandom(seed);
  const blocks = Math.ceil(n / blockLength);
  const lastLength = n - (blocks - 1) * blockLength;
  const out = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let k = 0; k < blocks; k++) {
      const start = random.integer(n);
      const length = k === blocks - 1 ? lastLength : blockLength;
      sum += prefix[start + length]! - prefix[start]!;
    }
    out[r] = sum / n;
  }
  return out;
}

/** The naive interval that treats buckets as independent: mean ± t(n-1) · s / √n. For comparison only. */
export function iidMeanInterval(values: readonly number[], level: number): [number, number] {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * Math.sqrt(variance / n);
  return [mean - half, mean + half];
}

/** The percentile interval of the same circular block resamples, for comparison in the bench. */
export function percentileInterval(replicates: readonly number[], level: number): [number, number] {
  const sorted = [...replicates].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(p * sorted.length)))]!;
  return [at((1 - level) / 2), at(1 - (1 - level) / 2)];
}

/**
 * The difference of two series' means (after − before), each with its own block-bootstrap standard
 * error: the windows do not overlap, so the two errors add in variance, and the t quantile uses the
 * Welch–Satterthwaite degrees of freedom of the two blocks counts. Block length and lag-1 autocorrelation
 * shown are the larger of the two (the series that needed longer blocks).
 */
export function differenceOfMeans(after: SeriesMean, before: SeriesMean): SeriesMean {
  const estimate = after.estimate - before.estimate;
  const va = after.standardError ** 2;
  const vb = before.standardError ** 2;
  const standardError = Math.sqrt(va + vb);
  const degreesOfFreedom =
    va + vb === 0
      ? Math.max(1, Math.min(after.degreesOfFreedom, before.degreesOfFreedom))
      : Math.max(1, (va + vb) ** 2 / (va ** 2 / after.degreesOfFreedom + vb ** 2 / before.degreesOfFreedom));
  return {
    estimate,
    n: after.n + before.n,
    blockLength: Math.max(after.blockLength, before.blockLength),
    lag1: Math.max(after.lag1, before.lag1),
    standardError,
    degreesOfFreedom,
    ...tInference(estimate, standardError, degreesOfFreedom),
  };
}
