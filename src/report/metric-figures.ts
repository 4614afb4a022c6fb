/**
 * The figures the report shows per metric and per target, chosen so that one metric has one estimate and
 * the per-variant columns agree with the change beside them. Pure.
 *
 * - One estimate per metric: when a relative target judges a metric, the metric's row repeats that target's
 *   evaluation (estimate, interval, level); otherwise the row uses the same estimator as the targets
 *   (the evaluation's interval method on the paired log ratios) at the configured level.
 * - Columns that agree: one figure is measured and the other follows from the change. For a relative change
 *   the baseline is the geometric mean of the baseline rounds in the pairs used (the anchor the paired log
 *   ratios are taken against) and the candidate is baseline × (1 + change). For an absolute target the
 *   candidate is the target's estimate (the candidate's own value, which the target judges) and the baseline
 *   is candidate / (1 + change). Medians of each variant's rounds stay in results.json as `baseline` and
 *   `candidate`: they can point the other way from a paired estimate (10.6 ms against 10.9 ms beside
 *   −8.5 %), since pairing removes the drift that medians of unpaired rounds keep.
 */
import { median } from 'simple-statistics';
import { type BucketBoundEvaluation, boundedInterval, boundedSamples } from '../gate/bucket-bound.js';
import type { GateEvaluation, TargetEvaluation } from '../gate/evaluate-targets.js';
import type { MetricInfo, RoundRecord } from '../model/round-record.js';
import { analyzeLocation, type IntervalMethod } from '../stats/location-analysis.js';
import { pairedLogRatios, pairRounds } from '../stats/paired-rounds.js';
import { analyzeProcessBlocks } from '../stats/process-blocks.js';
import type { MetricSummary, VariantFigures } from './results.js';

/** The targets' interval method, used for every row; 'hodges-lehmann' is the gate's default. */
export function reportMethod(evaluation: GateEvaluation | null | undefined): IntervalMethod {
  return evaluation?.targets[0]?.method ?? 'hodges-lehmann';
}

/** The variant's own values in its valid rounds. */
function variantValues(rounds: readonly RoundRecord[], metric: string, variant: 'baseline' | 'candidate'): number[] {
  return rounds
    .filter((r) => r.valid && r.variant === variant)
    .map((r) => r.values[metric])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** A variant's own location by the report's estimator (the pseudo-median for Hodges–Lehmann, the mean for t). */
function location(values: readonly number[], method: IntervalMethod): number | null {
  return values.length > 0 ? analyzeLocation(values, method).estimate : null;
}

/** A target whose samples a histogram bucket bounds (src/gate/bucket-bound.ts): its figures would be interpolation. */
function hasBucketBound(t: TargetEvaluation): boolean {
  return (t as BucketBoundEvaluation).bucketBound !== undefined;
}

function geometricMean(values: readonly number[]): number {
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

function finiteInterval(interval: readonly [number, number]): [number, number] | null {
  return Number.isFinite(interval[0]) && Number.isFinite(interval[1]) ? [interval[0], interval[1]] : null;
}

/** The first target on the metric with an estimate, of the kind asked for. */
function judgedBy(
  evaluation: GateEvaluation | null | undefined,
  metric: string,
  relative: boolean,
): TargetEvaluation | undefined {
  return evaluation?.targets.find(
    (t) => t.metric === metric && (t.kind !== 'absolute') === relative && t.estimate !== null,
  );
}

export function summarizeMetric(
  info: MetricInfo,
  rounds: readonly RoundRecord[],
  confidence: number,
  evaluation?: GateEvaluation | null,
): MetricSummary {
  const b = variantValues(rounds, info.name, 'baseline');
  const c = variantValues(rounds, info.name, 'candidate');
  let method = reportMethod(evaluation);
  let change: number | null = null;
  let ci: [number, number] | null = null;
  let level = confidence;
  let anchor: number | undefined;
  let pairs: number;
  let bucketBound = false;
  const relative = judgedBy(evaluation, info.name, true);
  if (relative) {
    change = relative.estimate;
    ci = relative.ci;
    level = relative.confidenceLevel ?? confidence;
    method = relative.method;
    anchor = relative.baselineValue;
    pairs = relative.samples;
  } else {
    const paired = pairRounds(rounds, info.name, true);
    const logs = pairedLogRatios(paired);
    pairs = logs.length;
    // Pairs from several starts of the backends are judged with the start as the unit, as targets are.
    const analysis =
      logs.length === 0
        ? undefined
        : paired.processes
          ? analyzeProcessBlocks(logs, paired.processes)
          : analyzeLocation(logs, method);
    if (paired.processes) method = 't';
    if (analysis) {
      change = Math.expm1(analysis.estimate);
      // Pairs whose value a histogram bucket bounds widen the interval to what the bounds allow (src/gate/bucket-bound.ts).
      const bounded = boundedSamples(rounds, info.name, true);
      const interval =
        analysis.n >= 2
          ? finiteInterval(bounded ? boundedInterval(bounded, method, confidence) : analysis.interval(confidence))
          : null;
      ci = interval && [Math.expm1(interval[0]), Math.expm1(interval[1])];
      anchor = geometricMean(paired.baseline);
      // Bucket-bound values the bounds leave undecided: an interpolated change and figures would be numbers
      // the buckets never measured.
      if (bounded && ci === null) {
        change = null;
        anchor = undefined;
        bucketBound = true;
      }
    }
  }
  const absolute = relative ? undefined : judgedBy(evaluation, info.name, false);
  let figures: VariantFigures;
  if (bucketBound || (relative && hasBucketBound(relative)) || (absolute && hasBucketBound(absolute)))
    figures = { baseline: null, candidate: null, implied: null };
  else if (absolute && absolute.estimate !== null && change !== null)
    figures = { baseline: absolute.estimate / (1 + change), candidate: absolute.estimate, implied: 'baseline' };
  else if (change !== null && anchor !== undefined)
    figures = { baseline: anchor, candidate: anchor * (1 + change), implied: 'candidate' };
  else
    figures = {
      baseline: location(b, method),
      candidate: absolute?.estimate ?? location(c, method),
      implied: null,
    };
  return {
    name: info.name,
    unit: info.unit,
    direction: info.direction,
    source: info.source,
    description: info.description,
    baseline: b.length ? median(b) : null,
    candidate: c.length ? median(c) : null,
    change,
    ci,
    pairs,
    figures,
    method,
    ...(change !== null ? { confidence: level } : {}),
    ...(relative ? { target: relative.expression } : {}),
  };
}

/**
 * A target's per-variant figures. A relative target's agree with its own estimate (its geometric-mean
 * baseline moved by the estimate); an absolute target's candidate is its estimate and its baseline follows
 * from the metric's paired change. Without an estimate each figure is measured, and nothing is implied.
 */
export function targetFigures(
  t: TargetEvaluation,
  summary: MetricSummary | undefined,
  rounds: readonly RoundRecord[],
): VariantFigures {
  const measured = (): VariantFigures => ({
    baseline: location(variantValues(rounds, t.metric, 'baseline'), t.method),
    candidate: location(variantValues(rounds, t.metric, 'candidate'), t.method),
    implied: null,
  });
  if (hasBucketBound(t)) return { baseline: null, candidate: null, implied: null };
  if (t.kind !== 'absolute') {
    if (t.baselineValue === undefined) return measured();
    if (t.estimate === null) return { baseline: t.baselineValue, candidate: t.candidateValue ?? null, implied: null };
    return { baseline: t.baselineValue, candidate: t.baselineValue * (1 + t.estimate), implied: 'candidate' };
  }
  if (t.estimate === null) return measured();
  const change = summary?.change;
  if (change === null || change === undefined) return { ...measured(), candidate: t.estimate };
  return { baseline: t.estimate / (1 + change), candidate: t.estimate, implied: 'baseline' };
}
