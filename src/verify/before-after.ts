/**
 * Before vs after, for a service that runs one version at a time (a rolling or immediate deploy): the
 * same PromQL over a window before the deploy and a window after it, with, by default, the same two
 * windows one control period earlier (a day or a week) to take out the daily pattern.
 *
 * This is not interleaved. The two windows differ in time, so anything else that changed between them
 * (traffic, another deploy, a slow dependency) is part of the estimate. The control removes what
 * repeats with its period, not one-off events; the traffic check flags a change in the request rate
 * beyond what the control period saw. Canary vs stable (canary-analysis.ts) has neither weakness and
 * should be preferred where both versions can run at once.
 *
 * With a control shift P, each bucket at time t is paired with the bucket at t − P (the same query one
 * period earlier, so the same time of day), and the per-bucket log ratio x(t) / x(t − P) is taken in
 * both windows. The estimate of a relative target is the difference of the two windows' mean log
 * ratios: how much more the metric moved against the control period after the deploy than before it
 * (a difference in differences). Without a control it is the difference of the windows' mean logs.
 * Each window's mean has its own block-bootstrap standard error (buckets are autocorrelated); the two
 * add in variance (differenceOfMeans). Absolute targets are judged on the after window's own values.
 * Pure but for `queryRange`.
 */
import { InfrastructureError } from '../errors.js';
import type { ServerMetricDefinition } from '../metrics/server-metric-definition.js';
import { blockBootstrapMean, differenceOfMeans, type SeriesMean } from './block-bootstrap.js';
import { bucketValues, SERIES_LIMIT, thinned } from './bucket-pairs.js';
import {
  type AnalysisInput,
  checkRoutes,
  definitionOf,
  isoTime,
  judgeTargets,
  type PreparedTarget,
  routeMetric,
  trafficQuery,
  type VerifyTargetResult,
  variantQuery,
  verdictOf,
} from './canary-analysis.js';
import type { LabelMatcher } from './label-matcher.js';
import type { RouteMix } from './route-mix.js';

/** Unix seconds, [start, end]. */
export type Window = [number, number];

export interface BeforeAfterWindows {
  before: Window;
  after: Window;
  /** Seconds between a window and its control (86,400 for a day); null: no control. */
  controlShift: number | null;
}

/**
 * The windows around a deploy: `window` seconds before it, and `window` seconds after it once `settle`
 * seconds have passed (the rollout itself, caches warming up).
 */
export function beforeAfterWindows(options: {
  deployTime: number;
  windowSeconds: number;
  settleSeconds: number;
  controlShift: number | null;
}): BeforeAfterWindows {
  const { deployTime, windowSeconds, settleSeconds, controlShift } = options;
  return {
    before: [deployTime - windowSeconds, deployTime],
    after: [deployTime + settleSeconds, deployTime + settleSeconds + windowSeconds],
    controlShift,
  };
}

export interface BeforeAfterInput extends AnalysisInput {
  /** The service's series (app="my-rag-api"); the same for both windows. */
  selector: readonly LabelMatcher[];
  windows: BeforeAfterWindows;
  traffic: { metric: ServerMetricDefinition | undefined; maxDifference: number };
}

/** What one metric's queries gave: the buckets each window held and, with a control, how many found their twin. */
export interface WindowBuckets {
  metric: string;
  query: string;
  /** Buckets with a value in each window (with a control: those whose bucket one period earlier had one too). */
  before: number;
  after: number;
  /** With a control: buckets left out because the bucket one period earlier had no value. */
  withoutControl: { before: number; after: number } | null;
  /** Buckets left out of relative targets: a zero or negative value has no log. */
  notPositive: number;
  /** Each window's bucket values for the report's chart (unix seconds, value), thinned as in bucket-pairs.ts. */
  series?: { before: WindowPoint[]; after: WindowPoint[] };
  /** Set when a window's series holds every k-th bucket only. */
  seriesThinned?: true;
}

export interface WindowPoint {
  time: number;
  value: number;
}

export interface TrafficShift {
  metric: string;
  query: string;
  beforeRate: number;
  afterRate: number;
  /** after/before of the control windows (null without a control): the change the time of day alone brings. */
  controlRatio: number | null;
  /** after/before, divided by controlRatio when there is a control. */
  ratio: number;
  maxDifference: number;
  flagged: boolean;
}

export interface BeforeAfterAnalysis {
  comparison: 'before-after';
  metrics: WindowBuckets[];
  targets: VerifyTargetResult[];
  trafficShift: TrafficShift | null;
  routeMix: RouteMix | null;
  alpha: number;
  verdict: 'pass' | 'fail' | 'inconclusive';
}

/** A window's values of one query, by bucket time (milliseconds, as bucketValues keys them). */
type Values = Map<number, number>;

export async function analyzeBeforeAfter(input: BeforeAfterInput): Promise<BeforeAfterAnalysis> {
  const { windows } = input;
  const byName = new Map(input.metrics.map((m) => [m.name, m]));
  const fetched = new Map<string, Promise<FetchedMetric>>();
  const fetchMetric = (definition: ServerMetricDefinition, build = variantQuery): Promise<FetchedMetric> => {
    const key = `${build === variantQuery ? 'value' : 'traffic'}:${definition.name}`;
    let known = fetched.get(key);
    if (!known) {
      known = fetchWindows(input, definition, build(definition, input.selector, input.rateInterval));
      fetched.set(key, known);
    }
    return known;
  };

  const prepared: PreparedTarget[] = [];
  for (const target of input.targets) {
    const definition = definitionOf(target, byName);
    const series = await fetchMetric(definition);
    const seed = input.seed + prepared.length;
    let buckets: number;
    let analysis: SeriesMean | undefined;
    if (target.kind === 'absolute') {
      const values = [...series.after.values()];
      buckets = values.length;
      if (buckets >= input.minBuckets) analysis = blockBootstrapMean(values, { seed, resamples: input.resamples });
    } else {
      const after = logChanges(series.after, series.afterControl, windows.controlShift);
      const before = logChanges(series.before, series.beforeControl, windows.controlShift);
      buckets = Math.min(after.length, before.length);
      if (buckets >= input.minBuckets)
        analysis = differenceOfMeans(
          blockBootstrapMean(after, { seed, resamples: input.resamples }),
          blockBootstrapMean(before, { seed: seed + 1_000_003, resamples: input.resamples }),
        );
    }
    prepared.push({ target, definition, buckets, analysis });
  }
  const targets = judgeTargets(prepared, input.alpha, input.minBuckets);
  const trafficShift = input.traffic.metric
    ? trafficShiftOf(await fetchMetric(input.traffic.metric, trafficQuery), input.traffic.maxDifference)
    : null;
  const metrics: WindowBuckets[] = [];
  for (const [key, promise] of fetched) if (key.startsWith('value:')) metrics.push(bucketsOf(await promise, windows));
  const routeMix = input.routes
    ? await checkRoutes(input.routes, routeMetric(input.traffic.metric), input.queryRange, {
        first: input.selector,
        second: input.selector,
        window: { start: windows.after[0], end: windows.after[1], stepSeconds: input.stepSeconds },
        secondWindow: { start: windows.before[0], end: windows.before[1], stepSeconds: input.stepSeconds },
        rateInterval: input.rateInterval,
      })
    : null;
  return {
    comparison: 'before-after',
    metrics,
    targets,
    trafficShift,
    routeMix,
    alpha: input.alpha,
    // A request rate or a route mix that moved is not a like-for-like comparison: a pass is not trusted.
    verdict: verdictOf(
      targets,
      trafficShift?.flagged === true || routeMix?.flagged === true || (input.routes !== undefined && routeMix === null),
    ),
  };
}

interface FetchedMetric {
  name: string;
  query: string;
  before: Values;
  after: Values;
  /** The control windows' values, keyed by the time they stand in for (t + shift); empty without a control. */
  beforeControl: Values;
  afterControl: Values;
}

async function fetchWindows(
  input: BeforeAfterInput,
  definition: ServerMetricDefinition,
  query: string,
): Promise<FetchedMetric> {
  const { before, after, controlShift } = input.windows;
  const range = async (window: Window, shift: number, what: string): Promise<Values> => {
    const [start, end] = [window[0] - shift, window[1] - shift];
    const series = await input.queryRange({ query, start, end, stepSeconds: input.stepSeconds });
    // Keyed (ms) by the time the bucket stands in for, so a control bucket meets the bucket one period later.
    const out: Values = new Map();
    for (const [key, value] of bucketValues(series, `${definition.name}: the ${what} query`))
      out.set(key + shift * 1000, value);
    if (out.size === 0 && shift === 0)
      throw new InfrastructureError(
        `${definition.name}: the query returned no values in the ${what} window (${isoTime(start)} to ${isoTime(end)}): ${query}`,
      );
    return out;
  };
  const [b, a, bc, ac] = await Promise.all([
    range(before, 0, 'before'),
    range(after, 0, 'after'),
    controlShift === null ? Promise.resolve<Values>(new Map()) : range(before, controlShift, 'before (control)'),
    controlShift === null ? Promise.resolve<Values>(new Map()) : range(after, controlShift, 'after (control)'),
  ]);
  if (controlShift !== null && bc.size + ac.size === 0)
    throw new InfrastructureError(
      `${definition.name}: the query returned no values ${controlShift / 3600} h before either window, the control; the store may not keep that much history (give --control none to compare the windows alone): ${query}`,
    );
  return { name: definition.name, query, before: b, after: a, beforeControl: bc, afterControl: ac };
}

/**
 * Per bucket: log(x(t) / x(t − shift)) with a control, else log x(t); buckets without a positive value
 * (or, with a control, without a positive twin) are left out.
 */
function logChanges(window: Values, control: Values, shift: number | null): number[] {
  const out: number[] = [];
  for (const [time, value] of [...window.entries()].sort((x, y) => x[0] - y[0])) {
    if (!(value > 0)) continue;
    if (shift === null) out.push(Math.log(value));
    else {
      const twin = control.get(time);
      if (twin !== undefined && twin > 0) out.push(Math.log(value / twin));
    }
  }
  return out;
}

function bucketsOf(series: FetchedMetric, windows: BeforeAfterWindows): WindowBuckets {
  const matched = (window: Values, control: Values) => [...window.keys()].filter((t) => control.has(t)).length;
  const withControl = windows.controlShift !== null;
  return {
    metric: series.name,
    query: series.query,
    before: withControl ? matched(series.before, series.beforeControl) : series.before.size,
    after: withControl ? matched(series.after, series.afterControl) : series.after.size,
    withoutControl: withControl
      ? {
          before: series.before.size - matched(series.before, series.beforeControl),
          after: series.after.size - matched(series.after, series.afterControl),
        }
      : null,
    notPositive: [...series.before.values(), ...series.after.values()].filter((v) => !(v > 0)).length,
    series: { before: windowPoints(series.before), after: windowPoints(series.after) },
    ...(Math.max(series.before.size, series.after.size) > SERIES_LIMIT ? { seriesThinned: true as const } : {}),
  };
}

function windowPoints(values: Values): WindowPoint[] {
  return thinned([...values.entries()].sort((x, y) => x[0] - y[0]).map(([ms, value]) => ({ time: ms / 1000, value })));
}

function trafficShiftOf(series: FetchedMetric, maxDifference: number): TrafficShift {
  const mean = (values: Values): number => {
    const xs = [...values.values()];
    return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  };
  const beforeRate = mean(series.before);
  const afterRate = mean(series.after);
  const raw = beforeRate > 0 ? afterRate / beforeRate : Number.POSITIVE_INFINITY;
  const controlBefore = mean(series.beforeControl);
  const controlRatio =
    series.beforeControl.size > 0 && series.afterControl.size > 0 && controlBefore > 0
      ? mean(series.afterControl) / controlBefore
      : null;
  const ratio = controlRatio !== null && controlRatio > 0 ? raw / controlRatio : raw;
  return {
    metric: series.name,
    query: series.query,
    beforeRate,
    afterRate,
    controlRatio,
    ratio,
    maxDifference,
    flagged: !(Math.abs(ratio - 1) <= maxDifference),
  };
}
