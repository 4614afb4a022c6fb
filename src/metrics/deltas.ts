import type { Exposition } from './exposition.js';
import type { HistogramSnapshot } from './select-series.js';

/**
 * What happened between the scrape before a round and the scrape after it. Counters only grow while a
 * process lives (Prometheus "counter" semantics), so a decrease means the server restarted, or the
 * exporter reset, in the middle of the round: the round's numbers are then meaningless and it must be
 * discarded, not "corrected" as PromQL's rate() does, because we cannot know what happened before the reset.
 */
export type Delta<T> = { ok: true; delta: T } | { ok: false; reason: string };

/** `before` is undefined when the series did not exist yet (prom-client prints labelled series on first use). */
export function counterDelta(before: number | undefined, after: number, what = 'counter'): Delta<number> {
  const start = before ?? 0;
  if (after < start) return { ok: false, reason: `${what} went down from ${start} to ${after} (counter reset)` };
  return { ok: true, delta: after - start };
}

export function histogramDelta(
  before: HistogramSnapshot | undefined,
  after: HistogramSnapshot,
  what = 'histogram',
): Delta<HistogramSnapshot> {
  if (before === undefined)
    return { ok: true, delta: { buckets: after.buckets.map((b) => ({ ...b })), count: after.count, sum: after.sum } };
  const afterCounts = new Map(after.buckets.map((b) => [b.upperBound, b.count]));
  for (const bucket of before.buckets) {
    const now = afterCounts.get(bucket.upperBound);
    if (now === undefined)
      return { ok: false, reason: `${what} lost its bucket le=${formatBound(bucket.upperBound)} between scrapes` };
    if (now < bucket.count) {
      return {
        ok: false,
        reason: `${what} bucket le=${formatBound(bucket.upperBound)} went down from ${bucket.count} to ${now} (counter reset)`,
      };
    }
  }
  if (after.count < before.count) {
    return { ok: false, reason: `${what} count went down from ${before.count} to ${after.count} (counter reset)` };
  }
  const beforeCounts = new Map(before.buckets.map((b) => [b.upperBound, b.count]));
  return {
    ok: true,
    delta: {
      buckets: after.buckets.map((b) => ({
        upperBound: b.upperBound,
        count: b.count - (beforeCounts.get(b.upperBound) ?? 0),
      })),
      count: after.count - before.count,
      // The sum may legitimately fall (negative observations), so it is not a reset signal.
      sum: after.sum - before.sum,
    },
  };
}

function formatBound(bound: number): string {
  return bound === Number.POSITIVE_INFINITY ? '+Inf' : String(bound);
}

/**
 * Standard process metric: the start time of the exporter's process (prom-client's and Python's default
 * collectors both export it). A change between two scrapes means a restart even if no counter fell yet.
 */
export const PROCESS_START_METRIC = 'process_start_time_seconds';

export function detectRestart(before: Exposition, after: Exposition): string | undefined {
  const start = processStartTime(before);
  const end = processStartTime(after);
  if (start === undefined || end === undefined || start === end) return undefined;
  return `server restarted during the round (${PROCESS_START_METRIC} changed from ${start} to ${end})`;
}

function processStartTime(exposition: Exposition): number | undefined {
  const family = exposition.families.get(PROCESS_START_METRIC);
  const sample = family?.samples.find((s) => s.name === PROCESS_START_METRIC);
  return sample?.value;
}
