/**
 * Targets on histogram quantiles the buckets bound rather than measure (src/metrics/histogram-quantile.ts,
 * RoundRecord.bounds). Such a round's value is Prometheus's interpolation inside one bucket: the same
 * fraction of it whatever the data, so a target judged on it alone gets a zero-width interval and a
 * decision the data never made. Judged honestly, each such sample is a range, not a value:
 *
 * - absolute target: the candidate's quantile lies in [lower, upper] in that round;
 * - relative target: the pair's log ratio lies in [log(c_low / b_high), log(c_high / b_low)].
 *
 * The interval methods are monotone in each value (every Walsh average, so every order statistic of them,
 * rises with any value; a mean likewise), so the method's lower end on every sample's lowest value and its
 * upper end on every sample's highest value bound the interval the unknown true values would give. A target
 * decided on that wider interval is decided whatever the values inside the buckets were: a `< 10ms` target
 * whose candidate rounds all have their waits under a 0.5 ms bucket passes, since 0.5 ms is a guaranteed upper
 * bound on each round's quantile; a ratio between two quantiles both under the lowest bucket bound stays
 * undecided, since either could be anywhere from 0 to that bound. Pure.
 */
import type { RoundRecord, ValueBound } from '../model/round-record.js';
import { analyzeLocation, type IntervalMethod } from '../stats/location-analysis.js';
import { analyzeProcessBlocks } from '../stats/process-blocks.js';
import { decisionRule, judgeInterval } from './decision-rule.js';
import type { GateVerdict, TargetEvaluation } from './evaluate-targets.js';
import type { Target } from './target.js';

export interface BoundedSamples {
  /** Per sample used, its lowest and highest possible value on the analysis scale (log ratio, or the unit). */
  lower: number[];
  upper: number[];
  /** Samples (pairs, or candidate rounds) whose value is bucket-bound. */
  bound: number;
  samples: number;
  /** Relative samples from several starts of the backends: each sample's start (src/stats/process-blocks.ts). */
  processes?: number[];
}

function finiteValue(round: RoundRecord | undefined, metric: string): number | undefined {
  const v = round?.values[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A round's range for the metric: its bound when it has one, else the value itself. */
function rangeOf(round: RoundRecord, metric: string, value: number): { low: number; high: number; bound: boolean } {
  const bound: ValueBound | undefined =
    round.bounds && Object.hasOwn(round.bounds, metric) ? round.bounds[metric] : undefined;
  if (!bound) return { low: value, high: value, bound: false };
  return {
    low: bound.lower ?? Number.NEGATIVE_INFINITY,
    high: bound.upper ?? Number.POSITIVE_INFINITY,
    bound: true,
  };
}

/**
 * The samples a target on `metric` uses (the same as src/stats/paired-rounds.ts selects: valid candidate
 * rounds with a value, or valid pairs with positive values) as ranges; undefined when none is bucket-bound.
 */
export function boundedSamples(
  rounds: readonly RoundRecord[],
  metric: string,
  relative: boolean,
): BoundedSamples | undefined {
  const out: BoundedSamples = { lower: [], upper: [], bound: 0, samples: 0 };
  if (!relative) {
    for (const round of rounds) {
      const value = finiteValue(round, metric);
      if (round.variant !== 'candidate' || !round.valid || value === undefined) continue;
      const range = rangeOf(round, metric, value);
      out.lower.push(range.low);
      out.upper.push(range.high);
      out.samples += 1;
      if (range.bound) out.bound += 1;
    }
    return out.bound > 0 ? out : undefined;
  }
  // As pairRounds: the later round of a variant wins within a pair; both must be valid with a positive value.
  const byPair = new Map<number, { baseline?: RoundRecord; candidate?: RoundRecord }>();
  const processOf: (number | undefined)[] = [];
  for (const round of rounds) byPair.set(round.pair, { ...byPair.get(round.pair), [round.variant]: round });
  for (const pair of [...byPair.keys()].sort((a, b) => a - b)) {
    const { baseline, candidate } = byPair.get(pair)!;
    const b = finiteValue(baseline, metric);
    const c = finiteValue(candidate, metric);
    if (!baseline?.valid || !candidate?.valid || b === undefined || c === undefined || !(b > 0 && c > 0)) continue;
    const rb = rangeOf(baseline, metric, b);
    const rc = rangeOf(candidate, metric, c);
    // A metric a ratio is taken of is positive: a range reaching below 0 starts at 0.
    out.lower.push(Math.log(Math.max(0, rc.low) / rb.high));
    out.upper.push(Math.log(rc.high / Math.max(0, rb.low)));
    processOf.push(baseline.process ?? candidate.process);
    out.samples += 1;
    if (rb.bound || rc.bound) out.bound += 1;
  }
  if (processOf.some((p) => p !== undefined)) out.processes = processOf.map((p) => p ?? -1);
  return out.bound > 0 ? out : undefined;
}

/**
 * The interval the bounded samples allow at `level`, on the analysis scale: the method's lower end on the
 * lowest values, its upper end on the highest. ±Infinity where a side is unbounded; NaN where the method
 * cannot take an infinite value (t, bootstrap), which no rule judges.
 */
export function boundedInterval(
  samples: Pick<BoundedSamples, 'lower' | 'upper' | 'processes'>,
  method: IntervalMethod,
  level: number,
  seed = 1,
): [number, number] {
  if (samples.processes) {
    // The start as the unit, as the target was judged. Student t's ends are not monotone in every value
    // (a value moved out can widen the spread), so over starts this is the interval on the extremes, an
    // approximation of the bound, not a guarantee; fewer than two starts bound nothing.
    const low = analyzeProcessBlocks(samples.lower, samples.processes)?.interval(level)[0] ?? Number.NaN;
    const high = analyzeProcessBlocks(samples.upper, samples.processes)?.interval(level)[1] ?? Number.NaN;
    return [low, high];
  }
  const low = analyzeLocation(samples.lower, method, seed).interval(level)[0];
  const high = analyzeLocation(samples.upper, method, seed).interval(level)[1];
  return [low, high];
}

/** What the buckets left of a target's evaluation: the interval on the bounds, and how many samples were bound. */
export interface BucketBoundJudgement {
  /** Samples (pairs or candidate rounds) used whose value is bucket-bound, of `samples`. */
  bound: number;
  samples: number;
  /** The interval the bounds allow, in `estimate` terms (a change for relative targets); null where unbounded. */
  lower: number | null;
  upper: number | null;
}

export type BucketBoundEvaluation = TargetEvaluation & { bucketBound?: BucketBoundJudgement };

/**
 * A target's evaluation with its bucket-bound samples taken as ranges: the interval becomes the one the bounds
 * allow at the target's level, the status stays only when that interval decides the same way (else
 * 'inconclusive'), and the detectable effect, computed from the spread of interpolated values, is dropped.
 * Unchanged when no sample used is bucket-bound, or the target was not judged with an interval.
 */
export function judgeOnBounds(
  evaluation: TargetEvaluation,
  target: Target,
  rounds: readonly RoundRecord[],
): BucketBoundEvaluation {
  const level = evaluation.confidenceLevel;
  if (level === null || evaluation.decidedBy || evaluation.status === 'no-data') return evaluation;
  const relative = target.kind !== 'absolute';
  const samples = boundedSamples(rounds, target.metric, relative);
  if (!samples) return evaluation;
  const interval = boundedInterval(samples, evaluation.method, level);
  const bounded = judgeInterval(interval, decisionRule(target, evaluation.direction));
  const toEstimate = (x: number) => (relative ? Math.expm1(x) : x);
  const edge = (x: number) => (Number.isFinite(x) ? toEstimate(x) : null);
  return {
    ...evaluation,
    status: bounded === evaluation.status ? evaluation.status : 'inconclusive',
    ci: [toEstimate(interval[0]), toEstimate(interval[1])],
    minDetectableEffect: null,
    bucketBound: { bound: samples.bound, samples: samples.samples, lower: edge(interval[0]), upper: edge(interval[1]) },
  };
}

/** The verdict of the targets as evaluateTargets forms it: any fail fails, all pass passes, else inconclusive. */
export function verdictOf(targets: readonly Pick<TargetEvaluation, 'status'>[]): GateVerdict {
  if (targets.some((t) => t.status === 'fail')) return 'fail';
  return targets.length > 0 && targets.every((t) => t.status === 'pass') ? 'pass' : 'inconclusive';
}
