/**
 * Latencies are recorded in microseconds in an HDR histogram (Gil Tene's HdrHistogram, via hdr-histogram-js):
 * constant memory however many requests, 3 significant digits (0.1 % value precision) from 1 µs to 60 s.
 *
 * Variant choice, measured with `npx tsx bench/load-histogram.ts` (2 M records, figures in docs/performance.md):
 * the plain JS Int32 variant records in ~95 ns and takes ~69 KiB; WebAssembly is ~3x faster per record but its
 * memory lives outside the GC and leaks unless every histogram is `destroy()`ed, and it needs an async init.
 * At 20,000 req/s the JS variant costs ~0.2 % of one core, so the simpler, GC-managed JS variant wins.
 * Packed variants are 2-6x slower per record for a smaller footprint we do not need.
 */

import type { Histogram } from 'hdr-histogram-js';
import * as hdr from 'hdr-histogram-js';
import { type BucketGrid, bucketOf } from '../stats/pooled-quantile.js';

export type { Histogram } from 'hdr-histogram-js';

export const LOWEST_LATENCY_US = 1;
export const HIGHEST_LATENCY_US = 60_000_000;

export function createLatencyHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: LOWEST_LATENCY_US,
    highestTrackableValue: HIGHEST_LATENCY_US,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
    // A fixed range keeps the footprint flat: a latency above 60 s is clamped rather than growing the arrays.
    autoResize: false,
    useWebAssembly: false,
  });
}

/** Records one latency given in milliseconds (fractional), clamped to the histogram's range. */
export function recordLatencyMs(histogram: Histogram, latencyMs: number): void {
  const us = Math.round(latencyMs * 1000);
  histogram.recordValue(us < LOWEST_LATENCY_US ? LOWEST_LATENCY_US : Math.min(us, HIGHEST_LATENCY_US));
}

export interface LatencySummaryMs {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Percentiles in milliseconds; all zero for an empty histogram (the caller marks such a round invalid).
 *
 * HdrHistogram answers a percentile with the highest value of the bucket it falls in (up to 0.1 % above
 * the largest latency recorded there), while `maxValue` is the largest latency itself: a round whose p99
 * fell in the top bucket printed a p99 above its max. Percentiles are clamped to the recorded range, so
 * p50 <= p90 <= p95 <= p99 <= max holds in every round.
 */
export function summarizeLatency(histogram: Histogram): LatencySummaryMs {
  if (histogram.totalCount === 0) return { p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const ms = (us: number) => us / 1000;
  const lowest = histogram.minNonZeroValue;
  const highest = histogram.maxValue;
  const at = (percentile: number) =>
    ms(Math.min(highest, Math.max(lowest, histogram.getValueAtPercentile(percentile))));
  return {
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    max: ms(highest),
    mean: ms(histogram.mean),
  };
}

/** The compressed base64 form HdrHistogram tools read (e.g. HistogramLogAnalyzer), for re-analysis later. */
export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded);
}

/**
 * A round's latencies (its encoded HDR histogram) as counts on a shared bucket grid in milliseconds, for
 * estimators that pool the requests of many rounds (src/stats/pooled-quantile.ts). Each recorded value
 * goes to the grid bucket of its HDR bucket's top (at most 0.1 % above the latency recorded; the same for
 * both variants, so it cancels in their ratio).
 */
export function latencyCountsOnGrid(encoded: string, grid: BucketGrid): Float64Array {
  // The JS histograms decodeHistogram returns iterate their non-empty buckets (not in the Histogram type).
  const histogram = decodeHistogram(encoded) as unknown as {
    recordedValuesIterator: {
      reset(): void;
      hasNext(): boolean;
      next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
    };
  };
  const counts = new Float64Array(grid.upper.length);
  const values = histogram.recordedValuesIterator;
  values.reset();
  while (values.hasNext()) {
    const step = values.next();
    counts[bucketOf(grid, step.valueIteratedTo / 1000)]! += step.countAtValueIteratedTo;
  }
  return counts;
}
