import { mean } from 'simple-statistics';
import { invalidValue } from '../errors.js';
import type {
  ErrorCounts,
  MetricDirection,
  MetricInfo,
  MetricUnit,
  RoundCount,
  RoundRecord,
} from '../model/round-record.js';
import { type IntervalReach, intervalReach, samplesToDecide } from '../stats/detectable.js';
import { hodgesLehmann } from '../stats/hodges-lehmann.js';
import { holm } from '../stats/holm.js';
import {
  analyzeLocation,
  INTERVAL_METHODS,
  type IntervalMethod,
  type LocationAnalysis,
} from '../stats/location-analysis.js';
import { studentTInterval } from '../stats/location-interval.js';
import { mannWhitneyU } from '../stats/mann-whitney.js';
import { candidateValues, type Exclusion, pairedLogRatios, pairRounds } from '../stats/paired-rounds.js';
import { type AcrossStarts, analyzeProcessBlocks, type ProcessBlocks } from '../stats/process-blocks.js';
import { analyzeRate, type RateAnalysis } from '../stats/rate-interval.js';
import { alphaForLook, type SequentialPlan } from '../stats/sequential.js';
import { signTest } from '../stats/sign-test.js';
import { type DecisionRule, decisionRule, judgeInterval } from './decision-rule.js';
import type { Target, TargetStatus } from './target.js';
import type { CandidateFailures, ErrorControl, ExclusionCount, TargetReason } from './target-reason.js';

export type { CandidateFailures } from './target-reason.js';

export interface EvaluateOptions {
  /**
   * Family-wise two-sided error: the chance that any target gets a wrong pass or a wrong fail is at
   * most alpha; a false alarm (a wrong fail) is one side of it, at most alpha / 2. Default 0.02.
   * With `sequential`, this is ignored in favour of the plan's alpha.
   */
  alpha?: number;
  /** Fewer valid pairs than this gives 'no-data' (never pass). Default 5. */
  minPairs?: number;
  /** Interval method; default 'hodges-lehmann' (docs/statistics.md has the calibration behind it). */
  method?: IntervalMethod;
  /** Seed of the bootstrap, when method is 'bootstrap'. Default 1. */
  seed?: number;
  /** Power for the minimum detectable effect. Default 0.8. */
  power?: number;
  /** Bounded sequential testing: this evaluation is look `look` of `plan`, at the alpha spent there. */
  sequential?: { plan: SequentialPlan; look: number };
  /** Pairs from several starts of the backends: how the starts' estimates are combined. Default 't'. */
  acrossStarts?: AcrossStarts;
}

export interface CrossCheck {
  /** Exact sign test of the per-pair log ratios (or the candidate's values) against the threshold. */
  signTestPValue: number;
  /**
   * The other interval method at the same level, in `estimate` terms: Student t (geometric-mean
   * ratio) when the main method is Hodges–Lehmann or bootstrap, Hodges–Lehmann when it is t.
   */
  otherMethod: {
    method: IntervalMethod;
    estimate: number;
    ci: [number, number];
    status: Exclude<TargetStatus, 'no-data'>;
  };
  /** Relative targets: benchstat-style Mann–Whitney U of baseline vs candidate round values (no pairing). */
  mannWhitneyPValue?: number;
  /** Whether the other method leads to the same status as the main interval. */
  agrees: boolean;
}

export interface TargetEvaluation {
  expression: string;
  metric: string;
  kind: Target['kind'];
  direction: MetricDirection;
  unit: MetricUnit;
  status: TargetStatus;
  /** Relative targets: candidate/baseline - 1 (-0.25 = 25 % lower). Absolute: the candidate's value. */
  estimate: number | null;
  /** Interval in the same terms as `estimate`, at `confidenceLevel`. */
  ci: [number, number] | null;
  confidenceLevel: number | null;
  /** The target's threshold in the same terms as `estimate` (-0.20 for "improves >= 20 %" on latency). */
  threshold: number;
  /** Holm-adjusted p-value of "the truth is on the other side of the threshold from the estimate". */
  pValue?: number;
  /** The same before adjustment. */
  rawPValue?: number;
  /** Pairs (relative) or candidate rounds (absolute) used. */
  samples: number;
  /** Pairs or rounds left out, each with its cause. */
  excluded: Exclusion[];
  method: IntervalMethod;
  /** Relative targets: geometric means of the paired round values (their ratio is the geometric-mean ratio). */
  baselineValue?: number;
  candidateValue?: number;
  /** Relative targets: geometric-mean ratio - 1, whatever the interval method. */
  geometricMeanChange?: number;
  crossCheck?: CrossCheck;
  /**
   * Absolute targets on a rate whose counts every round recorded (error_rate; counter_ratio metrics): the
   * interval is the pooled counts' (src/stats/rate-interval.ts), not the centre of the rounds' values.
   * `dispersion` is φ, the rounds' variance over a binomial's (1 = none beyond the binomial).
   */
  rate?: RateCounts;
  /**
   * Set when the status is not a statistical decision: 'no-successful-response', a valid candidate round in
   * which no request succeeded (see `CandidateFailures`).
   */
  decidedBy?: 'no-successful-response';
  /**
   * How far the truth must lie from the threshold to be decided (pass or fail) with probability `power` by an
   * interval of the width this one has (same method, level and look: src/stats/detectable.ts); in `estimate`
   * terms (fraction for relative targets, metric unit for absolute ones). Null when the interval is unbounded.
   */
  minDetectableEffect: number | null;
  /**
   * If the true change were the current estimate, the pairs (or rounds) needed to decide this target
   * with probability `power` at this level, at the spread this interval implies; null when the estimate sits on
   * the threshold or the interval is unbounded, capped at 10,000. Useful for an inconclusive target.
   */
  samplesNeeded: number | null;
  /**
   * Relative targets measured over several starts of the backends (`load.processes`): how many starts the
   * interval rests on (its units) and the pairs each measured.
   */
  processes?: { count: number; pairs: number[] };
  /** Why the status, with the numbers behind it (src/report/reason-text.ts words it). */
  reason: TargetReason;
}

/** The pooled counts behind a rate target's interval. */
export interface RateCounts {
  events: number;
  trials: number;
  rounds: number;
  dispersion: number;
}

export type GateVerdict = 'pass' | 'fail' | 'inconclusive';

export interface GateEvaluation {
  verdict: GateVerdict;
  targets: TargetEvaluation[];
  /** Present when a valid candidate round had no successful response: every target it decides is 'fail'. */
  candidateFailures?: CandidateFailures;
  /** The two-sided family-wise alpha used at this look. */
  alpha: number;
  look?: number;
  /** How the family-wise error is controlled at this look. */
  errorControl: ErrorControl;
}

interface Prepared {
  target: Target;
  info: MetricInfo;
  rule: DecisionRule;
  relative: boolean;
  values: number[];
  baseline: number[];
  candidate: number[];
  excluded: Exclusion[];
  /** Relative targets measured over several starts of the backends: each pair's process (see process-blocks.ts). */
  processes?: number[];
  analysis?: LocationAnalysis;
  /** With `processes`: the starts the analysis was built on. */
  blocks?: ProcessBlocks;
  /** Absolute target on a rate with counts in every round used: judged on the pooled counts. */
  counts?: RoundCount[];
  rate?: RateAnalysis;
  rawPValue?: number;
  /** Failed without statistics: the candidate answered no request in some round. */
  failedRequests?: boolean;
}

/**
 * Judges every target on the rounds: relative targets on the paired log ratios, absolute targets
 * on the candidate's own values (a rate with its counts, on the pooled counts), each with a three-outcome interval rule, Holm's step-down across
 * targets and (optionally) the alpha spent at this sequential look. Pure: same input, same output.
 */
export function evaluateTargets(
  targets: readonly Target[],
  rounds: readonly RoundRecord[],
  metrics: readonly MetricInfo[],
  options: EvaluateOptions = {},
): GateEvaluation {
  const method = options.method ?? 'hodges-lehmann';
  const minPairs = options.minPairs ?? 5;
  const power = options.power ?? 0.8;
  const seed = options.seed ?? 1;
  if (!INTERVAL_METHODS.includes(method))
    throw invalidValue("evaluation option 'method'", method, INTERVAL_METHODS.join(', '));
  if (!(Number.isInteger(minPairs) && minPairs >= 2))
    throw invalidValue("config key 'gate.minPairs'", minPairs, 'an integer >= 2');
  if (!(power > 0 && power < 1)) throw invalidValue("evaluation option 'power'", power, 'a number between 0 and 1');
  let alpha: number;
  if (options.sequential) {
    alpha = alphaForLook(options.sequential.plan, options.sequential.look);
  } else {
    alpha = options.alpha ?? 0.02;
    if (!(alpha > 0 && alpha < 1))
      throw invalidValue("evaluation option 'alpha'", alpha, 'a number between 0 and 1, e.g. 0.02');
  }

  const metricByName = new Map(metrics.map((m) => [m.name, m]));
  const prepared: Prepared[] = targets.map((target, i) => {
    const info = metricByName.get(target.metric);
    if (!info)
      throw invalidValue(
        `targets[${i}] ("${target.expression}") metric`,
        target.metric,
        [...metricByName.keys()].join(', ') || 'a metric the run measures',
      );
    validateTarget(target, info, i);
    const rule = decisionRule(target, info.direction);
    if (target.kind === 'absolute') {
      const { values, excluded } = candidateValues(rounds, target.metric);
      const counts = candidateCounts(rounds, target.metric);
      return {
        target,
        info,
        rule,
        relative: false,
        values,
        baseline: [],
        candidate: values,
        excluded,
        ...(counts ? { counts } : {}),
      };
    }
    const paired = pairRounds(rounds, target.metric, true);
    return {
      target,
      info,
      rule,
      relative: true,
      values: pairedLogRatios(paired),
      baseline: paired.baseline,
      candidate: paired.candidate,
      excluded: paired.excluded,
      ...(paired.processes ? { processes: paired.processes } : {}),
    };
  });

  // A candidate round in which no request succeeded is measured, not missing: its error rate is 1, and it
  // has no latency, throughput or server work to meet any other target with (latency is that of successful
  // responses; a request that never succeeds never meets a latency bound). Such a round fails every target at
  // once, without an interval, except one that even a 100 % error rate meets ("error_rate <= 1").
  const candidateFailures = failuresOf(rounds);
  if (candidateFailures) {
    for (const p of prepared)
      p.failedRequests =
        p.target.kind !== 'absolute' || p.target.metric !== 'error_rate' || judgeInterval([1, 1], p.rule) === 'fail';
  }

  // Decision p-value per judgeable target: two-sided p of the one-sided test toward the side the
  // data lean to; it is <= a level exactly when the interval at that level excludes the threshold.
  for (const p of prepared) {
    if (p.failedRequests || p.values.length < minPairs) continue;
    if (p.counts) {
      p.rate = analyzeRate(p.counts);
      p.analysis = rateAsLocation(p.rate, method);
    } else if (p.processes) {
      // Pairs from several starts of the backends: the start is the unit. Fewer than two: nothing to judge yet.
      const blocked = analyzeProcessBlocks(p.values, p.processes, options.acrossStarts);
      if (!blocked) continue;
      p.analysis = blocked;
      p.blocks = blocked.blocks;
    } else p.analysis = analyzeLocation(p.values, method, seed);
    const pBelow = p.analysis.oneSidedPValue(p.rule.bound, 'less');
    const pAbove = p.analysis.oneSidedPValue(p.rule.bound, 'greater');
    p.rawPValue = Math.min(1, 2 * Math.min(pBelow, pAbove));
  }
  const family = prepared.filter((p) => p.analysis);
  const steps = holm(
    family.map((p) => p.rawPValue!),
    alpha,
  );
  // Step-down stops at the first kept hypothesis; later ones are reported at that step's level so an
  // interval never shows a decision Holm did not make.
  const firstKeptRank = Math.min(...steps.filter((s) => !s.rejected).map((s) => s.rank), family.length + 1);
  const levelFor = new Map<Prepared, { alpha: number; adjusted: number }>();
  family.forEach((p, i) => {
    const step = steps[i]!;
    const rank = Math.min(step.rank, firstKeptRank);
    levelFor.set(p, { alpha: alpha / (family.length - rank + 1), adjusted: step.adjustedPValue });
  });

  const evaluations = prepared.map((p) =>
    p.failedRequests
      ? failedWithoutSuccess(p, candidateFailures!, method)
      : evaluateOne(p, levelFor.get(p), { minPairs, power, method }),
  );
  const verdict: GateVerdict = evaluations.some((e) => e.status === 'fail')
    ? 'fail'
    : evaluations.length > 0 && evaluations.every((e) => e.status === 'pass')
      ? 'pass'
      : 'inconclusive';
  const failedOutright = prepared.filter((p) => p.failedRequests).length;
  return {
    verdict,
    targets: evaluations,
    ...(candidateFailures ? { candidateFailures } : {}),
    alpha,
    ...(options.sequential ? { look: options.sequential.look } : {}),
    errorControl: errorControl(
      family.length,
      prepared.length - family.length - failedOutright,
      alpha,
      options,
      failedOutright ? { targets: failedOutright, failures: candidateFailures! } : undefined,
    ),
  };
}

/**
 * The pairs needed to decide at the spread the interval implies. Over several starts of the backends the
 * units are the starts: the starts needed, times the pairs each start measured on average.
 */
function pairsToDecide(
  distance: number,
  reach: IntervalReach,
  alpha: number,
  options: { power: number; method: IntervalMethod },
  blocks: ProcessBlocks | undefined,
): number | null {
  const least = !blocks && options.method === 'hodges-lehmann' ? minSamplesForDistributionFree(1 - alpha) : 2;
  const units = samplesToDecide(Math.abs(distance), reach.spreadPerSample, alpha, options.power, least);
  if (units === null || !blocks) return units;
  return Math.ceil(units * (blocks.pairs.reduce((a, b) => a + b, 0) / blocks.pairs.length));
}

/** The candidate's valid rounds' requests, when in at least one of them no request succeeded; else undefined. */
export function failuresOf(rounds: readonly RoundRecord[]): CandidateFailures | undefined {
  // Rounds rebuilt from a stored or simulated file may carry no client figures: those never count as failed.
  const measured = rounds.filter((r) => r.variant === 'candidate' && r.valid && r.client !== undefined);
  const withoutSuccess = measured.filter((r) => r.client.requests > 0 && r.client.ok === 0);
  if (withoutSuccess.length === 0) return undefined;
  const errors: ErrorCounts = { status: {}, timeout: 0, reset: 0, other: 0 };
  let requests = 0;
  let ok = 0;
  for (const { client } of measured) {
    requests += client.requests;
    ok += client.ok;
    for (const [status, count] of Object.entries(client.errors.status))
      errors.status[status] = (errors.status[status] ?? 0) + count;
    errors.timeout += client.errors.timeout;
    errors.reset += client.errors.reset;
    errors.other += client.errors.other;
  }
  return {
    rounds: measured.length,
    roundsWithoutSuccess: withoutSuccess.length,
    requests,
    failed: requests - ok,
    errors,
  };
}

function failedWithoutSuccess(p: Prepared, failures: CandidateFailures, method: IntervalMethod): TargetEvaluation {
  const { target, info, rule, relative } = p;
  const errorRate = target.metric === 'error_rate';
  const metricKind = errorRate ? 'error-rate' : info.name.startsWith('latency_') ? 'latency' : 'other';
  return {
    expression: target.expression,
    metric: target.metric,
    kind: target.kind,
    direction: info.direction,
    unit: info.unit,
    status: 'fail',
    decidedBy: 'no-successful-response',
    // The candidate's error rate over its valid rounds is a count, not an estimate with an interval.
    estimate: errorRate && !relative ? failures.failed / failures.requests : null,
    ci: null,
    confidenceLevel: null,
    threshold: relative ? Math.expm1(rule.bound) : rule.bound,
    samples: failures.rounds,
    excluded: p.excluded,
    method,
    minDetectableEffect: null,
    samplesNeeded: null,
    reason: { kind: 'candidate-failed', metricKind, failures },
  };
}

function validateTarget(target: Target, info: MetricInfo, i: number): void {
  const where = `targets[${i}] ("${target.expression}")`;
  if (target.kind === 'improvement') {
    const max =
      info.direction === 'lower-is-better' ? '< 1 (a lower-is-better metric cannot improve by 100 % or more)' : '> 0';
    if (!(target.minImprovement > 0 && (info.direction === 'higher-is-better' || target.minImprovement < 1)))
      throw invalidValue(`${where} improvement`, target.minImprovement, `a fraction > 0 and ${max}`);
  } else if (target.kind === 'regression') {
    if (!(target.maxRegression >= 0 && (info.direction === 'lower-is-better' || target.maxRegression < 1)))
      throw invalidValue(
        `${where} regression`,
        target.maxRegression,
        'a fraction >= 0 (and < 1 on a higher-is-better metric)',
      );
  } else if (!Number.isFinite(target.threshold)) {
    throw invalidValue(`${where} threshold`, target.threshold, 'a finite number');
  }
}

function evaluateOne(
  p: Prepared,
  level: { alpha: number; adjusted: number } | undefined,
  options: { minPairs: number; power: number; method: IntervalMethod },
): TargetEvaluation {
  const { target, info, rule, relative } = p;
  const toEstimate = relative ? (x: number) => Math.expm1(x) : (x: number) => x;
  const base = {
    expression: target.expression,
    metric: target.metric,
    kind: target.kind,
    direction: info.direction,
    unit: info.unit,
    threshold: toEstimate(rule.bound),
    samples: p.values.length,
    excluded: p.excluded,
    method: options.method,
    ...(relative && p.values.length > 0
      ? {
          baselineValue: geometricMean(p.baseline),
          candidateValue: geometricMean(p.candidate),
          geometricMeanChange: Math.expm1(mean(p.values)),
        }
      : {}),
  };
  if (!p.analysis || !level) {
    return {
      ...base,
      status: 'no-data',
      estimate: null,
      ci: null,
      confidenceLevel: null,
      minDetectableEffect: null,
      samplesNeeded: null,
      reason: {
        kind: 'no-data',
        relative,
        samples: p.values.length,
        needed: options.minPairs,
        excluded: countExclusions(p.excluded),
        ...(p.processes && p.values.length >= options.minPairs ? { starts: new Set(p.processes).size } : {}),
      },
    };
  }
  const confidenceLevel = 1 - level.alpha;
  const interval = p.analysis.interval(confidenceLevel);
  const status = judgeInterval(interval, rule);
  // Over several starts of the backends the units are the starts, not the pairs (src/stats/process-blocks.ts):
  // the method is t on the starts' estimates, and the cross-check is the signed-rank interval on the same units.
  const { blocks } = p;
  const method: IntervalMethod = blocks ? 't' : options.method;
  const units = blocks ? blocks.estimates : p.values;
  const other = method === 't' ? hodgesLehmann(units, confidenceLevel) : studentTInterval(units, confidenceLevel);
  const otherStatus = judgeInterval(other.interval, rule);
  const crossCheck: CrossCheck = {
    signTestPValue: signTest(units.map((v) => v - rule.bound)).pValue,
    otherMethod: {
      method: method === 't' ? 'hodges-lehmann' : 't',
      estimate: toEstimate(other.estimate),
      ci: [toEstimate(other.interval[0]), toEstimate(other.interval[1])],
      status: otherStatus,
    },
    ...(relative ? { mannWhitneyPValue: mannWhitneyU(p.baseline, p.candidate).pValue } : {}),
    agrees: otherStatus === status,
  };
  const n = p.values.length;
  const unbounded = !Number.isFinite(interval[0]) || !Number.isFinite(interval[1]);
  // Read off the interval actually used (method, Holm level, sequential look): src/stats/detectable.ts.
  const reach = unbounded
    ? null
    : intervalReach(interval, p.analysis.estimate, confidenceLevel, units.length, options.power);
  const minDetectableEffect = reach ? toEstimate(reach.distance) : null;
  const estimate = toEstimate(p.analysis.estimate);
  const ci: [number, number] = [toEstimate(interval[0]), toEstimate(interval[1])];
  const rate: RateCounts | undefined = p.rate && {
    events: p.rate.events,
    trials: p.rate.trials,
    rounds: p.rate.rounds,
    dispersion: p.rate.dispersion,
  };
  return {
    ...base,
    method,
    ...(rate ? { rate } : {}),
    status,
    estimate,
    ci,
    confidenceLevel,
    pValue: level.adjusted,
    rawPValue: p.rawPValue!,
    crossCheck,
    minDetectableEffect,
    samplesNeeded: reach ? pairsToDecide(p.analysis.estimate - rule.bound, reach, level.alpha, options, blocks) : null,
    ...(blocks ? { processes: { count: blocks.estimates.length, pairs: blocks.pairs } } : {}),
    reason: unbounded
      ? {
          kind: 'too-few-samples',
          relative,
          samples: n,
          level: confidenceLevel,
          needed: minSamplesForDistributionFree(confidenceLevel),
        }
      : {
          kind: 'decided',
          status,
          relative,
          unit: info.unit,
          samples: n,
          estimate,
          interval: ci,
          level: confidenceLevel,
          threshold: base.threshold,
          crossCheck: { method: crossCheck.otherMethod.method, status: otherStatus, agrees: crossCheck.agrees },
          ...(rate ? { counts: { events: rate.events, trials: rate.trials, dispersion: rate.dispersion } } : {}),
          ...(blocks ? { starts: blocks.estimates.length } : {}),
        },
  };
}

/**
 * The counts behind an absolute target on a rate, one per valid candidate round that has a value for
 * it (the rounds `candidateValues` keeps, in its order): error_rate from the client's requests and
 * successes, a server ratio from the counter deltas the round recorded. Undefined when any such round
 * lacks them (rounds recorded before counts existed), they are not a share (events > trials), or they
 * do not give the round's value: the target is then judged on the rounds' values.
 */
export function candidateCounts(rounds: readonly RoundRecord[], metric: string): RoundCount[] | undefined {
  const counts: RoundCount[] = [];
  for (const round of rounds) {
    if (round.variant !== 'candidate' || !round.valid) continue;
    const value = round.values[metric];
    if (value === null || value === undefined || !Number.isFinite(value)) continue;
    const count =
      metric === 'error_rate'
        ? round.client !== undefined && round.client.requests > 0
          ? { events: round.client.requests - round.client.ok, trials: round.client.requests }
          : undefined
        : round.counts?.[metric];
    // A ratio of counters that is not a share of events in trials (more "events" than "trials", say, two
    // unrelated counters) has no binomial reading, and counts that do not give the round's value (a round
    // rebuilt from another source) are not its counts: judge such a target on the rounds' values.
    if (
      count === undefined ||
      !(count.trials > 0 && count.events >= 0 && count.events <= count.trials) ||
      Math.abs(count.events / count.trials - value) > 1e-9
    )
      return undefined;
    counts.push({ events: count.events, trials: count.trials });
  }
  return counts.length > 0 ? counts : undefined;
}

/**
 * A rate's analysis in the shape the rest of the evaluation reads: its estimate, interval and p-values are
 * the pooled counts' (so "Detectable" is read off that interval too, src/stats/detectable.ts).
 */
function rateAsLocation(rate: RateAnalysis, method: IntervalMethod): LocationAnalysis {
  return {
    method,
    n: rate.rounds,
    estimate: rate.estimate,
    interval: (level) => rate.interval(level),
    oneSidedPValue: (p0, alternative) => rate.oneSidedPValue(p0, alternative),
  };
}

/**
 * The signed-rank interval at level L needs P(W+ = 0) = 2^-n <= (1 - L) / 2, i.e.
 * n >= log2(2 / (1 - L)): 7 pairs at 98 %, 9 at a Holm level of 99.33 %.
 */
export function minSamplesForDistributionFree(level: number): number {
  return Math.ceil(Math.log2(2 / (1 - level)) - 1e-9);
}

function geometricMean(values: readonly number[]): number {
  return Math.exp(mean(values.map(Math.log)));
}

/** The exclusions grouped by cause (and its details), in the order each first occurs. */
function countExclusions(excluded: readonly Exclusion[]): ExclusionCount[] {
  const groups = new Map<string, ExclusionCount>();
  for (const { pair: _pair, ...cause } of excluded) {
    const key = JSON.stringify(cause);
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { count: 1, ...cause });
  }
  return [...groups.values()];
}

function errorControl(
  judged: number,
  notJudged: number,
  alpha: number,
  options: EvaluateOptions,
  failedWithoutTest?: ErrorControl['failedWithoutTest'],
): ErrorControl {
  const procedure: ErrorControl['procedure'] =
    judged === 0 && failedWithoutTest ? 'none' : judged <= 1 ? 'single-interval' : 'holm';
  return {
    procedure,
    alpha,
    judged,
    ...(procedure === 'holm' ? { levels: { first: 1 - alpha / judged, last: 1 - alpha } } : {}),
    notJudged,
    ...(failedWithoutTest ? { failedWithoutTest } : {}),
    ...(options.sequential
      ? {
          sequential: {
            look: options.sequential.look,
            looks: options.sequential.plan.pairsAtLook.length,
            alphaOverAllLooks: options.sequential.plan.alpha,
            spending: options.sequential.plan.spending,
          },
        }
      : {}),
  };
}
