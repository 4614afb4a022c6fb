/**
 * Canary vs stable on the fleet's own metrics: the same PromQL per variant, picked out by a label
 * matcher; minute buckets in which both served traffic as the pairing unit; per bucket the log ratio
 * canary / stable; the mean log ratio with a block-bootstrap interval (buckets are autocorrelated);
 * the gate's three-outcome rule and Holm's step-down across targets. Pure but for `queryRange`, which
 * the caller passes in (src/verify/prometheus-client.ts in the CLI, a stub in unit tests).
 */
import { metricQuery, selector } from '../dashboard/grafana.js';
import { InfrastructureError, InputError } from '../errors.js';
import { decisionRule, judgeInterval } from '../gate/decision-rule.js';
import type { Target, TargetStatus } from '../gate/target.js';
import type { ServerMetricDefinition } from '../metrics/server-metric-definition.js';
import { holm } from '../stats/holm.js';
import { blockBootstrapMean, type SeriesMean } from './block-bootstrap.js';
import { type BucketPair, pairBuckets, SERIES_LIMIT, thinned } from './bucket-pairs.js';
import { type LabelMatcher, matcherText } from './label-matcher.js';
import type { QueryRange } from './prometheus-client.js';
import { checkLabelPresent, compareRouteMix, type RouteMix, routeQuery, routeRates } from './route-mix.js';

/** What both comparisons (canary vs stable, before vs after) are given alike. */
export interface AnalysisInput {
  metrics: readonly ServerMetricDefinition[];
  targets: readonly Target[];
  stepSeconds: number;
  /** The range of rate(), e.g. "1m"; at least the step, so that every scrape falls in some bucket. */
  rateInterval: string;
  /** Two-sided family-wise alpha (1 - gate.confidence). */
  alpha: number;
  /** Fewest buckets a target is judged on. */
  minBuckets: number;
  seed: number;
  resamples: number;
  /** Split the traffic metric by this label and compare the two sides' route mixes (route-mix.ts); absent, not checked. */
  routes?: RouteCheckSettings;
  queryRange: QueryRange;
}

export interface CanaryAnalysisInput extends AnalysisInput {
  canary: readonly LabelMatcher[];
  stable: readonly LabelMatcher[];
  /** Unix seconds. */
  start: number;
  end: number;
  traffic: TrafficCheckSettings;
}

export interface RouteCheckSettings {
  label: string;
  /** The largest total variation distance between the two mixes not flagged: 0.1 = 10 %. */
  maxDistance: number;
}

export interface TrafficCheckSettings {
  /** The metric whose rate is the request rate: a counter_rate (or a histogram, whose _count is counted). */
  metric: ServerMetricDefinition | undefined;
  /** The canary / stable request-rate ratio the rollout intends: 1 when both take equal shares. */
  expectedRatio: number;
  /** The largest relative departure from `expectedRatio` not flagged: 0.2 = 20 %. */
  maxDifference: number;
}

export interface VariantQueries {
  canary: string;
  stable: string;
}

export interface MetricBuckets {
  metric: string;
  queries: VariantQueries;
  /** Buckets in which both variants had a value. */
  paired: number;
  /** Buckets left out: only one variant had a value. */
  onlyCanary: number;
  onlyStable: number;
  /** Paired buckets left out of a relative target: a zero or negative value has no log ratio. */
  notPositive: number;
  /**
   * The paired buckets' values, for the report's chart: unix seconds of each bucket's end, both variants'
   * values, thinned to SERIES_LIMIT points (bucket-pairs.ts); the analysis always uses every bucket.
   */
  series?: BucketPair[];
  /** Set when `series` holds every k-th bucket only. */
  seriesThinned?: true;
}

export interface VerifyTargetResult {
  expression: string;
  metric: string;
  kind: Target['kind'];
  status: TargetStatus;
  /** Relative targets: canary / stable - 1 (0.2 = canary 20 % higher); absolute: the canary's mean bucket value. */
  estimate: number | null;
  interval: [number, number] | null;
  confidenceLevel: number | null;
  /** Holm-adjusted p-value of "the truth is on the other side of the threshold". */
  pValue: number | null;
  buckets: number;
  blockLength: number | null;
  lag1Autocorrelation: number | null;
  /** Why a target was not judged (no-data). */
  reason?: string;
}

export interface TrafficMix {
  metric: string;
  queries: VariantQueries;
  buckets: number;
  canaryRate: number;
  stableRate: number;
  /** canaryRate / stableRate. */
  ratio: number;
  expectedRatio: number;
  maxDifference: number;
  flagged: boolean;
}

export interface CanaryAnalysis {
  comparison: 'canary-vs-stable';
  metrics: MetricBuckets[];
  targets: VerifyTargetResult[];
  trafficMix: TrafficMix | null;
  routeMix: RouteMix | null;
  alpha: number;
  verdict: 'pass' | 'fail' | 'inconclusive';
}

/** The PromQL for one variant: the config's definition of the metric with the variant's matchers added to every selector. */
export function variantQuery(
  metric: ServerMetricDefinition,
  matchers: readonly LabelMatcher[],
  rateInterval: string,
): string {
  return metricQuery(metric, rateInterval, undefined, matchers.map(matcherText));
}

/**
 * The request rate of one variant: a counter_rate as its own query; for a histogram, the rate of its
 * _count series (one observation per request), with the metric's labels.
 */
export function trafficQuery(
  metric: ServerMetricDefinition,
  matchers: readonly LabelMatcher[],
  rateInterval: string,
): string {
  if (metric.kind === 'counter_rate') return variantQuery(metric, matchers, rateInterval);
  if (metric.kind === 'histogram_mean' || metric.kind === 'histogram_quantile')
    return `sum (rate(${selector(`${metric.metric}_count`, metric.labels, matchers.map(matcherText))}[${rateInterval}]))`;
  throw new InputError(
    `traffic metric '${metric.name}': a ${metric.kind} does not count requests; name a counter_rate or a histogram`,
  );
}

export async function analyzeCanary(input: CanaryAnalysisInput): Promise<CanaryAnalysis> {
  const byName = new Map(input.metrics.map((m) => [m.name, m]));
  const fetched = new Map<string, { buckets: MetricBuckets; pairs: BucketPair[] }>();
  const fetchMetric = async (definition: ServerMetricDefinition, build = variantQuery) => {
    const key = `${build === variantQuery ? 'value' : 'traffic'}:${definition.name}`;
    const known = fetched.get(key);
    if (known) return known;
    const queries = {
      canary: build(definition, input.canary, input.rateInterval),
      stable: build(definition, input.stable, input.rateInterval),
    };
    const range = { start: input.start, end: input.end, stepSeconds: input.stepSeconds };
    const [canary, stable] = await Promise.all([
      input.queryRange({ ...range, query: queries.canary }),
      input.queryRange({ ...range, query: queries.stable }),
    ]);
    // A query that matched nothing is a wrong matcher, metric or window, never a pass.
    for (const [variant, series] of [
      ['canary', canary],
      ['stable', stable],
    ] as const) {
      if (!series.some((s) => s.values.some(([, v]) => Number.isFinite(v))))
        throw new InfrastructureError(
          `${definition.name}: the ${variant} query returned no values between ${isoTime(input.start)} and ${isoTime(input.end)}: ${queries[variant]}`,
        );
    }
    const pairing = pairBuckets(canary, stable, definition.name);
    const result = {
      buckets: {
        metric: definition.name,
        queries,
        paired: pairing.pairs.length,
        onlyCanary: pairing.onlyCanary,
        onlyStable: pairing.onlyStable,
        notPositive: pairing.pairs.filter((p) => !(p.canary > 0 && p.stable > 0)).length,
        series: thinned(pairing.pairs),
        ...(pairing.pairs.length > SERIES_LIMIT ? { seriesThinned: true as const } : {}),
      },
      pairs: pairing.pairs,
    };
    fetched.set(key, result);
    return result;
  };

  // Judge every target on a metric the store has; the analysis first, Holm's levels after.
  const prepared: PreparedTarget[] = [];
  for (const target of input.targets) {
    const definition = definitionOf(target, byName);
    const { pairs } = await fetchMetric(definition);
    const values =
      target.kind === 'absolute'
        ? pairs.map((p) => p.canary)
        : pairs.filter((p) => p.canary > 0 && p.stable > 0).map((p) => Math.log(p.canary / p.stable));
    const index = prepared.length;
    prepared.push({
      target,
      definition,
      buckets: values.length,
      analysis:
        values.length >= input.minBuckets
          ? blockBootstrapMean(values, { seed: input.seed + index, resamples: input.resamples })
          : undefined,
    });
  }
  const targets = judgeTargets(prepared, input.alpha, input.minBuckets);

  const trafficMix = input.traffic.metric ? await checkTraffic(input.traffic, fetchMetric) : null;
  const routeMix = input.routes
    ? await checkRoutes(input.routes, routeMetric(input.traffic.metric), input.queryRange, {
        first: input.canary,
        second: input.stable,
        window: { start: input.start, end: input.end, stepSeconds: input.stepSeconds },
        rateInterval: input.rateInterval,
      })
    : null;
  return {
    comparison: 'canary-vs-stable',
    metrics: [...fetched.entries()].filter(([key]) => key.startsWith('value:')).map(([, v]) => v.buckets),
    targets,
    trafficMix,
    routeMix,
    alpha: input.alpha,
    // Variants that did not see the same traffic were not compared like for like: a pass is not trusted;
    // nor is one whose route mix was asked for and could not be compared.
    verdict: verdictOf(
      targets,
      trafficMix?.flagged === true || routeMix?.flagged === true || (input.routes !== undefined && routeMix === null),
    ),
  };
}

/** A target ready to judge: its metric, the buckets it rests on and, when there are enough, the mean's analysis. */
export interface PreparedTarget {
  target: Target;
  definition: ServerMetricDefinition;
  buckets: number;
  /** On the log scale for relative targets, on the metric's own for absolute ones; absent below minBuckets. */
  analysis?: SeriesMean;
}

/** The config's definition of a target's metric; a target on any other metric is bad input. */
export function definitionOf(
  target: Target,
  byName: ReadonlyMap<string, ServerMetricDefinition>,
): ServerMetricDefinition {
  const definition = byName.get(target.metric);
  if (!definition)
    throw new InputError(
      `target "${target.expression}": ${target.metric} is not one of the config's metrics (${[...byName.keys()].join(', ') || 'none'}); verify reads only those from Prometheus`,
    );
  return definition;
}

/**
 * The gate's three outcomes per target, under Holm's step-down across the targets that have an
 * analysis (those below minBuckets are no-data and use up no alpha). Shared by both comparisons.
 */
export function judgeTargets(
  prepared: readonly PreparedTarget[],
  alpha: number,
  minBuckets: number,
): VerifyTargetResult[] {
  const family = prepared.filter((p) => p.analysis);
  const steps = holm(
    family.map((p) => p.analysis!.pValue(decisionRule(p.target, p.definition.direction).bound)),
    alpha,
  );
  // As in src/gate/evaluate-targets.ts: targets after the first kept one are shown at that step's level.
  const firstKeptRank = Math.min(...steps.filter((s) => !s.rejected).map((s) => s.rank), family.length + 1);
  const levels = new Map<PreparedTarget, { alpha: number; adjusted: number }>();
  family.forEach((p, i) => {
    const step = steps[i]!;
    levels.set(p, {
      alpha: alpha / (family.length - Math.min(step.rank, firstKeptRank) + 1),
      adjusted: step.adjustedPValue,
    });
  });
  return prepared.map((p) => judgeTarget(p, levels.get(p), minBuckets));
}

/** fail when any target failed, pass when every one passed and nothing made the comparison unfair, else inconclusive. */
export function verdictOf(targets: readonly VerifyTargetResult[], unfair: boolean): CanaryAnalysis['verdict'] {
  if (targets.some((t) => t.status === 'fail')) return 'fail';
  if (targets.length > 0 && targets.every((t) => t.status === 'pass')) return unfair ? 'inconclusive' : 'pass';
  return 'inconclusive';
}

function judgeTarget(
  p: PreparedTarget,
  level: { alpha: number; adjusted: number } | undefined,
  minBuckets: number,
): VerifyTargetResult {
  const base = {
    expression: p.target.expression,
    metric: p.target.metric,
    kind: p.target.kind,
    buckets: p.buckets,
  };
  if (!p.analysis || !level)
    return {
      ...base,
      status: 'no-data',
      estimate: null,
      interval: null,
      confidenceLevel: null,
      pValue: null,
      blockLength: null,
      lag1Autocorrelation: null,
      reason: `${p.buckets} usable bucket(s), at least ${minBuckets} needed`,
    };
  const confidenceLevel = 1 - level.alpha;
  const onScale = p.analysis.interval(confidenceLevel);
  const status = judgeInterval(onScale, decisionRule(p.target, p.definition.direction));
  const relative = p.target.kind !== 'absolute';
  const shown = (x: number): number => (relative ? Math.exp(x) - 1 : x);
  return {
    ...base,
    status,
    estimate: shown(p.analysis.estimate),
    interval: [shown(onScale[0]), shown(onScale[1])],
    confidenceLevel,
    pValue: level.adjusted,
    blockLength: p.analysis.blockLength,
    lag1Autocorrelation: p.analysis.lag1,
  };
}

async function checkTraffic(
  settings: TrafficCheckSettings,
  fetchMetric: (
    definition: ServerMetricDefinition,
    build?: typeof variantQuery,
  ) => Promise<{ buckets: MetricBuckets; pairs: BucketPair[] }>,
): Promise<TrafficMix> {
  const metric = settings.metric!;
  const { buckets, pairs } = await fetchMetric(metric, trafficQuery);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const canaryRate = mean(pairs.map((p) => p.canary));
  const stableRate = mean(pairs.map((p) => p.stable));
  const ratio = stableRate > 0 ? canaryRate / stableRate : Number.POSITIVE_INFINITY;
  return {
    metric: metric.name,
    queries: buckets.queries,
    buckets: pairs.length,
    canaryRate,
    stableRate,
    ratio,
    expectedRatio: settings.expectedRatio,
    maxDifference: settings.maxDifference,
    flagged: !(Math.abs(ratio / settings.expectedRatio - 1) <= settings.maxDifference),
  };
}

/**
 * The route mixes of the two sides (the canary and the stable release, or the after and the before
 * window), from the traffic metric split by the route label. Null when either side saw no requests.
 */
export async function checkRoutes(
  settings: RouteCheckSettings,
  metric: ServerMetricDefinition,
  queryRange: QueryRange,
  sides: {
    first: readonly LabelMatcher[];
    second: readonly LabelMatcher[];
    window: { start: number; end: number; stepSeconds: number };
    /** The second side's window when it differs (before vs after). */
    secondWindow?: { start: number; end: number; stepSeconds: number };
    rateInterval: string;
  },
): Promise<RouteMix | null> {
  const queries = {
    first: routeQuery(metric, sides.first, sides.rateInterval, settings.label),
    second: routeQuery(metric, sides.second, sides.rateInterval, settings.label),
  };
  const [first, second] = await Promise.all([
    queryRange({ ...sides.window, query: queries.first }),
    queryRange({ ...(sides.secondWindow ?? sides.window), query: queries.second }),
  ]);
  const bucketsIn = (w: { start: number; end: number; stepSeconds: number }) =>
    Math.floor((w.end - w.start) / w.stepSeconds) + 1;
  const firstRates = routeRates(first, settings.label, bucketsIn(sides.window));
  const secondRates = routeRates(second, settings.label, bucketsIn(sides.secondWindow ?? sides.window));
  checkLabelPresent(firstRates, settings.label, metric.name);
  checkLabelPresent(secondRates, settings.label, metric.name);
  return compareRouteMix(firstRates, secondRates, {
    label: settings.label,
    queries,
    maxDistance: settings.maxDistance,
  });
}

/** The metric the route mix splits: the traffic metric, which --route-label needs. */
export function routeMetric(metric: ServerMetricDefinition | undefined): ServerMetricDefinition {
  if (!metric)
    throw new InputError(
      '--route-label: needs a metric that counts requests (a counter_rate or a histogram in the config, or --traffic-metric) to split by route',
    );
  return metric;
}

export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
