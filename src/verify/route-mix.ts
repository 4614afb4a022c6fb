/**
 * The route mix: were the two sides of a comparison asked the same kinds of requests? A canary that
 * happens to serve mostly cheap health checks, or an after window in which a batch job hammered one
 * slow endpoint, is faster or slower for reasons that are not the release. The request counter is
 * split by a route label (`--route-label route`), each side's routes are turned into shares of its
 * requests, and the two mixes are compared by their total variation distance: half the sum over
 * routes of the difference in share, the share of requests that would have to change route for the
 * mixes to match (0 to 1). Beyond `maxDistance` the check is flagged, and a flagged run is never
 * reported as a pass. Pure but for the queries, which the callers make.
 */
import { selector } from '../dashboard/grafana.js';
import { InputError } from '../errors.js';
import type { ServerMetricDefinition } from '../metrics/server-metric-definition.js';
import { type LabelMatcher, matcherText } from './label-matcher.js';
import type { MatrixSeries } from './query-range-answer.js';

/** Prometheus label names; `__` names are reserved. */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How many routes the report lists: those whose shares differ most. */
const SHOWN_ROUTES = 5;

export interface RouteShare {
  route: string;
  /** Share of the first side's requests (the canary, or the after window), 0..1. */
  share: number;
  /** Share of the second side's requests (the stable release, or the before window). */
  otherShare: number;
}

export interface RouteMix {
  label: string;
  queries: { first: string; second: string };
  /** Routes seen on either side. */
  routes: number;
  /** The routes whose shares differ most, largest difference first. */
  largest: RouteShare[];
  /** Total variation distance between the two mixes, 0..1. */
  distance: number;
  maxDistance: number;
  flagged: boolean;
}

export function checkedRouteLabel(label: string): string {
  if (!LABEL_NAME.test(label) || label.startsWith('__'))
    throw new InputError(
      `--route-label: got ${JSON.stringify(label)}; expected a Prometheus label name (letters, digits, _; not starting with __), e.g. route or handler`,
    );
  return label;
}

/**
 * The request rate of one side split by route: the counter of a counter_rate, or a histogram's _count
 * series, summed by the route label over the side's series.
 */
export function routeQuery(
  metric: ServerMetricDefinition,
  matchers: readonly LabelMatcher[],
  rateInterval: string,
  label: string,
): string {
  const series =
    metric.kind === 'counter_rate'
      ? metric.metric
      : metric.kind === 'histogram_mean' || metric.kind === 'histogram_quantile'
        ? `${metric.metric}_count`
        : undefined;
  if (!series)
    throw new InputError(
      `traffic metric '${metric.name}': a ${metric.kind} does not count requests; the route mix needs a counter_rate or a histogram`,
    );
  return `sum by (${label}) (rate(${selector(series, metric.labels, matchers.map(matcherText))}[${rateInterval}]))`;
}

/**
 * Each route's mean request rate over the window's `buckets` (a series per route). A route's series
 * exists only from its first request (counters are created on first use), so its sum is divided by
 * the window's buckets, not by its own: a route first hit late counts for the time it served.
 */
export function routeRates(series: readonly MatrixSeries[], label: string, buckets: number): Map<string, number> {
  const rates = new Map<string, number>();
  for (const s of series) {
    const values = s.values.map(([, v]) => v).filter((v) => Number.isFinite(v) && v >= 0);
    if (values.length === 0) continue;
    const route = s.metric[label] ?? '';
    rates.set(route, (rates.get(route) ?? 0) + values.reduce((a, b) => a + b, 0) / Math.max(1, buckets));
  }
  return rates;
}

/** A label no series carries is a typo: every side would be one route, and the mixes would always match. */
export function checkLabelPresent(rates: ReadonlyMap<string, number>, label: string, metric: string): void {
  if (rates.size > 0 && [...rates.keys()].every((route) => route === ''))
    throw new InputError(
      `--route-label: got ${JSON.stringify(label)}, but no series of the traffic metric '${metric}' carries that label; give the label your request counter is split by (route, handler, endpoint)`,
    );
}

/** The two mixes compared; `null` when either side saw no requests at all (nothing to compare). */
export function compareRouteMix(
  first: ReadonlyMap<string, number>,
  second: ReadonlyMap<string, number>,
  options: { label: string; queries: { first: string; second: string }; maxDistance: number },
): RouteMix | null {
  const total = (rates: ReadonlyMap<string, number>) => [...rates.values()].reduce((a, b) => a + b, 0);
  const [firstTotal, secondTotal] = [total(first), total(second)];
  if (!(firstTotal > 0 && secondTotal > 0)) return null;
  const routes = [...new Set([...first.keys(), ...second.keys()])];
  const shares = routes.map((route) => ({
    route,
    share: (first.get(route) ?? 0) / firstTotal,
    otherShare: (second.get(route) ?? 0) / secondTotal,
  }));
  const distance = shares.reduce((sum, s) => sum + Math.abs(s.share - s.otherShare), 0) / 2;
  return {
    label: options.label,
    queries: options.queries,
    routes: routes.length,
    largest: [...shares]
      .sort((a, b) => Math.abs(b.share - b.otherShare) - Math.abs(a.share - a.otherShare))
      .slice(0, SHOWN_ROUTES),
    distance,
    maxDistance: options.maxDistance,
    flagged: !(distance <= options.maxDistance),
  };
}
