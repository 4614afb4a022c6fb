/**
 * Bucket-bound values in words and cells: "≤ 0.5 ms", and the sentence a target's note starts with when
 * some of its samples were bounded by a histogram bucket rather than measured. Pure. Like reason-text.ts,
 * the note's wording is stored in results.json: change it on purpose.
 */
import type { TargetStatus } from '../gate/target.js';
import type { MetricUnit, ValueBound } from '../model/round-record.js';
import { formatChange, formatValue } from './format.js';
import type { TargetResult } from './results.js';

/** "≤ 0.5 ms", "≥ 10 ms", "1 ms – 2.5 ms", or '—' when unbounded both ways. */
export function boundText(bound: ValueBound, format: (v: number) => string): string {
  const low = bound.lower !== null && Number.isFinite(bound.lower) && bound.lower > 0 ? bound.lower : null;
  const high = bound.upper !== null && Number.isFinite(bound.upper) ? bound.upper : null;
  if (low === null && high === null) return '—';
  if (low === null) return `≤ ${format(high!)}`;
  if (high === null) return `≥ ${format(low)}`;
  return `${format(low)} – ${format(high)}`;
}

/** An absolute value's bound in the metric's unit ("≤ 0.5 ms"). */
export function valueBoundText(bound: ValueBound, unit: MetricUnit): string {
  return boundText(bound, (v) => formatValue(v, unit));
}

/** The change cell of a bucket-bound target: "≤ 500 µs (bucket-bound in 10 of 10 rounds)". */
export function bucketBoundCell(t: TargetResult): string | undefined {
  const b = t.bucketBound;
  if (!b) return undefined;
  const what = t.kind === 'absolute' ? 'rounds' : 'pairs';
  const range =
    t.kind === 'absolute'
      ? valueBoundText(b, t.unit)
      : `[${b.lower === null ? '—' : formatChange(b.lower)}, ${b.upper === null ? '—' : formatChange(b.upper)}]`;
  return `${range} (bucket-bound in ${b.bound} of ${b.samples} ${what})`;
}

/** The first sentence of a bucket-bound target's note; `interpolated` is the status the interpolated values gave. */
export function bucketBoundNote(t: TargetResult, interpolated: TargetStatus): string {
  const b = t.bucketBound!;
  const what = t.kind === 'absolute' ? 'candidate rounds' : 'pairs';
  const range = t.kind === 'absolute' ? ` (${valueBoundText(b, t.unit)})` : '';
  const changed =
    interpolated === t.status ? '' : `; the values interpolated inside the buckets alone said ${interpolated}`;
  return (
    `In ${b.bound} of ${b.samples} ${what} every ${t.metric} observation of a round fell in one histogram bucket, ` +
    `so its value is bounded by the bucket, not measured: judged on those bounds${range}, ${t.status}${changed}.`
  );
}
