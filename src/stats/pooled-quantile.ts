/**
 * Tail quantiles from every request, with the pair as the unit of independence. A round's p95 from a
 * hundred-odd requests is mostly sampling noise; pooling the histograms of all of a variant's rounds
 * uses every request for the quantile, and resampling whole pairs (each pair's two rounds together)
 * keeps the interval honest about what varies between rounds: load, drift, bursts.
 *
 * The estimate is log(Q_q(candidate's pooled requests) / Q_q(baseline's)). Intervals, to be chosen by
 * their measured coverage (bench/tail-estimator-coverage.ts, docs/statistics.md "Tail targets"):
 * - `percentile`: the pair-block percentile bootstrap (Efron & Tibshirani 1993, ch. 13);
 * - `bootstrap-t`: estimate ± t(n−1) × the bootstrap standard error;
 * - `jackknife-t`: estimate ± t(n−1) × the delete-one-pair jackknife standard error (Efron & Stein 1981).
 */

import { studentTQuantile } from './distributions.js';
import { createRandom } from './prng.js';

/**
 * Per-request values binned on one grid shared by every round: bucket b holds values in
 * (upper[b−1], upper[b]], the first bucket (lowest, upper[0]]. Quantiles interpolate geometrically
 * inside a bucket, so a grid of narrow log-spaced buckets costs well under its width in accuracy.
 */
export interface BucketGrid {
  lowest: number;
  upper: Float64Array;
}

/** A log-spaced grid from `lowest` to at least `highest`, each bucket `ratio` times as wide as the last. */
export function logGrid(lowest: number, highest: number, ratio: number): BucketGrid {
  if (!(lowest > 0 && highest > lowest && ratio > 1))
    throw new RangeError(`logGrid: need 0 < lowest < highest and ratio > 1, got ${lowest}, ${highest}, ${ratio}`);
  const count = Math.ceil(Math.log(highest / lowest) / Math.log(ratio));
  const upper = new Float64Array(count);
  for (let b = 0; b < count; b++) upper[b] = lowest * ratio ** (b + 1);
  return { lowest, upper };
}

/** The bucket a value falls in; values beyond the grid go to its first or last bucket. */
export function bucketOf(grid: BucketGrid, value: number): number {
  let lo = 0;
  let hi = grid.upper.length - 1;
  if (value > grid.upper[hi]!) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= grid.upper[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** One round's counts as running totals: cumulative[b] = requests in buckets 0..b. */
export interface CumulativeCounts {
  cumulative: Float64Array;
  total: number;
}

export function cumulativeCounts(counts: ArrayLike<number>): CumulativeCounts {
  const cumulative = new Float64Array(counts.length);
  let running = 0;
  for (let b = 0; b < counts.length; b++) {
    running += counts[b]!;
    cumulative[b] = running;
  }
  return { cumulative, total: running };
}

/**
 * The q-quantile of the rounds' requests pooled, round i counted `weights[i]` times (a bootstrap
 * resample, or 0 to leave it out); NaN when no request is counted. O(rounds × log buckets).
 */
export function pooledQuantile(
  grid: BucketGrid,
  rounds: readonly CumulativeCounts[],
  q: number,
  weights?: ArrayLike<number>,
): number {
  const w = (i: number) => (weights ? weights[i]! : 1);
  let total = 0;
  for (let i = 0; i < rounds.length; i++) total += w(i) * rounds[i]!.total;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  const below = (b: number): number => {
    if (b < 0) return 0;
    let sum = 0;
    for (let i = 0; i < rounds.length; i++) {
      const weight = w(i);
      if (weight !== 0) sum += weight * rounds[i]!.cumulative[b]!;
    }
    return sum;
  };
  let lo = 0;
  let hi = grid.upper.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (below(mid) >= rank) hi = mid;
    else lo = mid + 1;
  }
  const before = below(lo - 1);
  const inBucket = below(lo) - before;
  const lower = lo === 0 ? grid.lowest : grid.upper[lo - 1]!;
  const upper = grid.upper[lo]!;
  const share = inBucket > 0 ? Math.min(1, Math.max(0, (rank - before) / inBucket)) : 1;
  return lower * (upper / lower) ** share;
}

export type PooledIntervalMethod = 'percentile' | 'bootstrap-t' | 'jackknife-t';

export interface PooledQuantileRatio {
  /** log(candidate's pooled quantile / baseline's). */
  estimate: number;
  /** Two-sided interval of the log ratio at `level`. */
  interval: [number, number];
  /** The resampling standard error of the log ratio (bootstrap or jackknife, by method). */
  standardError: number;
}

/**
 * The paired log ratio of pooled q-quantiles with an interval that resamples whole pairs. `pairs[i]`
 * holds the two rounds of pair i; at least 3 pairs are needed for any interval.
 */
export function pooledQuantileRatio(
  grid: BucketGrid,
  pairs: readonly { baseline: CumulativeCounts; candidate: CumulativeCounts }[],
  q: number,
  level: number,
  options: { method: PooledIntervalMethod; seed?: number; resamples?: number },
): PooledQuantileRatio {
  const n = pairs.length;
  const baseline = pairs.map((p) => p.baseline);
  const candidate = pairs.map((p) => p.candidate);
  const logRatio = (weights?: ArrayLike<number>) =>
    Math.log(pooledQuantile(grid, candidate, q, weights) / pooledQuantile(grid, baseline, q, weights));
  const estimate = logRatio();
  if (n < 3 || !Number.isFinite(estimate))
    return { estimate, interval: [Number.NaN, Number.NaN], standardError: Number.NaN };
  const tail = (1 - level) / 2;

  if (options.method === 'jackknife-t') {
    const leaveOut = new Float64Array(n).fill(1);
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      leaveOut[i] = 0;
      values.push(logRatio(leaveOut));
      leaveOut[i] = 1;
    }
    const centre = values.reduce((a, b) => a + b, 0) / n;
    const se = Math.sqrt(((n - 1) / n) * values.reduce((a, v) => a + (v - centre) ** 2, 0));
    const t = studentTQuantile(1 - tail, n - 1);
    return { estimate, interval: [estimate - t * se, estimate + t * se], standardError: se };
  }

  const resamples = options.resamples ?? 2000;
  const random = createRandom(options.seed ?? 1);
  const weights = new Float64Array(n);
  const replicates: number[] = [];
  for (let r = 0; r < resamples; r++) {
    weights.fill(0);
    for (let i = 0; i < n; i++) weights[random.integer(n)]! += 1;
    const value = logRatio(weights);
    if (Number.isFinite(value)) replicates.push(value);
  }
  replicates.sort((a, b) => a - b);
  const mean = replicates.reduce((a, b) => a + b, 0) / replicates.length;
  const se = Math.sqrt(replicates.reduce((a, v) => a + (v - mean) ** 2, 0) / (replicates.length - 1));
  if (options.method === 'bootstrap-t') {
    const t = studentTQuantile(1 - tail, n - 1);
    return { estimate, interval: [estimate - t * se, estimate + t * se], standardError: se };
  }
  const at = (p: number) =>
    replicates[Math.min(replicates.length - 1, Math.max(0, Math.floor(p * replicates.length)))]!;
  return { estimate, interval: [at(tail), at(1 - tail)], standardError: se };
}
