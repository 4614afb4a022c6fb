/**
 * Prometheus's `histogram_quantile` for classic (bucketed) histograms, re-implemented so perf-gate's
 * per-round quantiles equal what the team's dashboards would show for the same buckets.
 *
 * Semantics follow `bucketQuantile` in prometheus/prometheus `promql/quantile.go` (read, not copied):
 * - q NaN -> NaN; q < 0 -> -Inf; q > 1 -> +Inf (checked before anything else, even empty input);
 * - the highest bucket must be +Inf, else NaN;
 * - buckets with the same upper bound are merged (so le="1" and le="1.0" count once, summed);
 * - counts within a relative 1e-12 of the previous bucket are snapped to it (float noise from sums of
 *   rates), then any remaining decrease is flattened to the running maximum ("ensureMonotonic");
 * - fewer than 2 buckets after merging, or 0 observations -> NaN;
 * - the target rank q*count is located with Go's sort.Search (a binary search) over all but the +Inf bucket;
 *   landing in the +Inf bucket returns the highest finite upper bound;
 * - in the lowest bucket the lower edge is 0 when its upper bound is > 0, and the upper bound itself is
 *   returned when it is <= 0;
 * - otherwise linear interpolation inside the bucket.
 *
 * The 1e-12 snap is recent upstream behaviour; promtool 2.42 (the reference used for the committed
 * fixture, scripts/reference/promtool-histogram-quantile.ts) predates it, so the fixture avoids counts that
 * differ by less than that, and test/metrics/histogram-quantile.test.ts shows the one case where they part.
 *
 * One deliberate difference: a bucket whose upper bound is NaN is dropped. Prometheus sorts it with a
 * comparator that is undefined for NaN, so its result then depends on sort internals.
 */
export interface Bucket {
  /** The `le` bound, +Infinity for the catch-all bucket. */
  upperBound: number;
  /** Cumulative count of observations <= upperBound. */
  count: number;
}

/** Relative tolerance Prometheus uses in correctPrecisionErrors (promql/quantile.go). */
const PRECISION_TOLERANCE = 1e-12;

export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  const located = locate(q, buckets);
  if (typeof located === 'number') return located;
  const { merged, b } = located;
  let { rank } = located;
  if (b === merged.length - 1) return merged[merged.length - 2]!.upperBound;
  if (b === 0 && merged[0]!.upperBound <= 0) return merged[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = merged[b]!.upperBound;
  let count = merged[b]!.count;
  if (b > 0) {
    bucketStart = merged[b - 1]!.upperBound;
    count -= merged[b - 1]!.count;
    rank -= merged[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/**
 * The range the buckets guarantee for the q-quantile when they bound it rather than measure it; undefined
 * when histogramQuantile's answer is an interpolation between observations in more than one bucket, or NaN.
 *
 * - Every observation fell in one bucket: the quantile lies in that bucket, and the interpolated value is the
 *   same fraction of the bucket whatever the data (all waits under 0.5 ms give a p95 of 0.475 ms in every
 *   round), so it carries no information beyond the bucket. The range is the bucket, with 0 as the lower edge
 *   of a lowest bucket whose bound is positive (the edge histogramQuantile assumes), and no lower edge when
 *   that bound is 0 or below.
 * - The rank fell in the +Inf bucket: histogramQuantile answers the highest finite bound, which the quantile
 *   is at least, with no upper edge.
 */
export function histogramQuantileBound(
  q: number,
  buckets: readonly Bucket[],
): { lower: number | null; upper: number | null } | undefined {
  const located = locate(q, buckets);
  if (typeof located === 'number') return undefined;
  const { merged, b, observations } = located;
  if (b === merged.length - 1) return { lower: merged[merged.length - 2]!.upperBound, upper: null };
  const below = b > 0 ? merged[b - 1]!.count : 0;
  if (merged[b]!.count - below < observations) return undefined;
  if (b > 0) return { lower: merged[b - 1]!.upperBound, upper: merged[b]!.upperBound };
  return { lower: merged[0]!.upperBound > 0 ? 0 : null, upper: merged[0]!.upperBound };
}

/** The merged, corrected buckets and the one the q-quantile's rank falls in; a number when the answer needs no bucket. */
function locate(
  q: number,
  buckets: readonly Bucket[],
): number | { merged: Bucket[]; b: number; rank: number; observations: number } {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = buckets
    .filter((b) => !Number.isNaN(b.upperBound))
    .map((b) => ({ upperBound: b.upperBound, count: b.count }))
    .sort(byUpperBound);
  if (sorted.length === 0 || sorted[sorted.length - 1]!.upperBound !== Number.POSITIVE_INFINITY) return Number.NaN;

  const merged = coalesceBuckets(sorted);
  correctPrecisionErrors(merged);
  ensureMonotonic(merged);
  if (merged.length < 2) return Number.NaN;

  const observations = merged[merged.length - 1]!.count;
  if (observations === 0) return Number.NaN;
  const rank = q * observations;
  const b = goSortSearch(merged.length - 1, (i) => merged[i]!.count >= rank);
  return { merged, b, rank, observations };
}

// Written with comparisons, not subtraction: Infinity - Infinity is NaN.
function byUpperBound(a: Bucket, b: Bucket): number {
  if (a.upperBound < b.upperBound) return -1;
  if (a.upperBound > b.upperBound) return 1;
  return 0;
}

function coalesceBuckets(sorted: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const bucket of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.upperBound === bucket.upperBound) last.count += bucket.count;
    else out.push({ ...bucket });
  }
  return out;
}

/**
 * Snaps a count to the previous one when they differ by a relative 1e-12 or less. The comparison is
 * written exactly as Prometheus writes it, including what happens with negative and NaN counts
 * (a negative count yields a negative ratio, which is "within tolerance" and so takes the previous value).
 */
function correctPrecisionErrors(buckets: Bucket[]): void {
  let previous = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const current = buckets[i]!.count;
    const delta = Math.abs(current - previous);
    if (delta === 0) continue;
    if (delta / current <= PRECISION_TOLERANCE) buckets[i]!.count = previous;
    else previous = current;
  }
}

function ensureMonotonic(buckets: Bucket[]): void {
  let max = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const count = buckets[i]!.count;
    if (count > max) max = count;
    else if (count < max) buckets[i]!.count = max;
  }
}

/** Go's sort.Search: the smallest i in [0, n) with accept(i), by the same bisection (matters for NaN counts). */
function goSortSearch(n: number, accept: (i: number) => boolean): number {
  let low = 0;
  let high = n;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (!accept(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}
