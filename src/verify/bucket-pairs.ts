/**
 * The pairing unit of canary-vs-stable: a time bucket (one step of the range query) in which both
 * variants have a value. Both served the same minute of the same traffic pattern, so a diurnal swing
 * or an incident moves both sides of the pair alike and drops out of their ratio. Pure.
 */
import { InfrastructureError } from '../errors.js';
import type { MatrixSeries } from './query-range-answer.js';

export interface BucketPair {
  /** Unix seconds of the bucket's end (the evaluation time of the range query's step). */
  time: number;
  canary: number;
  stable: number;
}

export interface BucketPairing {
  pairs: BucketPair[];
  /** Buckets where only the canary had a value (the stable variant served nothing, or its value was NaN). */
  onlyCanary: number;
  /** Buckets where only the stable variant had a value. */
  onlyStable: number;
}

/**
 * Pairs the canary's and the stable variant's values by timestamp. Each query sums over its variant's
 * series, so it answers with at most one series; more means the query was not the one perf-gate built.
 * NaN (0/0: a mean over a bucket without requests) and ±Inf count as no value.
 */
export function pairBuckets(
  canary: readonly MatrixSeries[],
  stable: readonly MatrixSeries[],
  what: string,
): BucketPairing {
  const c = bucketValues(canary, `${what}: the canary query`);
  const s = bucketValues(stable, `${what}: the stable query`);
  const pairs: BucketPair[] = [];
  let onlyCanary = 0;
  for (const [key, value] of c) {
    const other = s.get(key);
    if (other === undefined) onlyCanary += 1;
    else pairs.push({ time: key / 1000, canary: value, stable: other });
  }
  const onlyStable = [...s.keys()].filter((key) => !c.has(key)).length;
  pairs.sort((a, b) => a.time - b.time);
  return { pairs, onlyCanary, onlyStable };
}

/**
 * One query's values by bucket (key: milliseconds, see bucketKey). The query sums over its series, so it
 * answers with at most one series; more means it was not the query perf-gate built. NaN and ±Inf are no value.
 */
export function bucketValues(series: readonly MatrixSeries[], what: string): Map<number, number> {
  if (series.length > 1)
    throw new InfrastructureError(`${what} answered ${series.length} series, expected one (it sums over its series)`);
  const out = new Map<number, number>();
  for (const [time, value] of series[0]?.values ?? []) if (Number.isFinite(value)) out.set(bucketKey(time), value);
  return out;
}

/** Milliseconds as an integer: Prometheus writes step times as floats (1733150400.5), equal in both answers. */
function bucketKey(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** Points a report chart keeps per series: a day of one-minute buckets. */
export const SERIES_LIMIT = 1440;

/** Every item up to SERIES_LIMIT, else every k-th one with the last kept: enough to draw, small enough to store. */
export function thinned<T>(items: readonly T[]): T[] {
  if (items.length <= SERIES_LIMIT) return [...items];
  const step = Math.ceil(items.length / SERIES_LIMIT);
  const kept = items.filter((_, i) => i % step === 0);
  if ((items.length - 1) % step !== 0) kept.push(items.at(-1)!);
  return kept;
}
