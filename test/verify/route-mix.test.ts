import { describe, expect, it } from 'vitest';
import type { ServerMetricDefinition } from '../../src/metrics/server-metric-definition.js';
import { parseLabelMatchers } from '../../src/verify/label-matcher.js';
import {
  checkedRouteLabel,
  checkLabelPresent,
  compareRouteMix,
  routeQuery,
  routeRates,
} from '../../src/verify/route-mix.js';
import { readVerifySettings } from '../../src/verify/verify-settings.js';

const requests: ServerMetricDefinition = {
  name: 'request_rate',
  kind: 'counter_rate',
  metric: 'app_requests_total',
  labels: { app: 'api' },
  unit: 'req/s',
  direction: 'higher-is-better',
};
const latency: ServerMetricDefinition = {
  name: 'pipeline_time',
  kind: 'histogram_mean',
  metric: 'app_seconds',
  unit: 'ms',
  direction: 'lower-is-better',
};

describe('route mix', () => {
  it("splits the traffic metric's counter (or a histogram's _count) by the route label, on the side's series", () => {
    const canary = parseLabelMatchers('version="canary"', '--canary');
    expect(routeQuery(requests, canary, '60s', 'route')).toBe(
      'sum by (route) (rate(app_requests_total{app="api",version="canary"}[60s]))',
    );
    expect(routeQuery(latency, canary, '60s', 'handler')).toBe(
      'sum by (handler) (rate(app_seconds_count{version="canary"}[60s]))',
    );
  });

  it("averages each route over the window's buckets (a route first hit late counts for the time it served), ignoring NaN", () => {
    const rates = routeRates(
      [
        {
          metric: { route: '/search' },
          values: [
            [1, 8],
            [2, 10],
            [3, Number.NaN],
          ],
        },
        {
          metric: { route: '/health' },
          values: [
            [1, 2],
            [2, 2],
          ],
        },
        { metric: {}, values: [[1, 1]] },
      ],
      'route',
      4,
    );
    // Four buckets in the window: /search 18 / 4, /health 4 / 4, the unlabelled series 1 / 4.
    expect([...rates.entries()]).toEqual([
      ['/search', 4.5],
      ['/health', 1],
      ['', 0.25],
    ]);
    // A label no series carries is refused, not read as one route on both sides.
    expect(() => checkLabelPresent(new Map([['', 5]]), 'routee', 'request_rate')).toThrow(
      /^--route-label: got "routee", but no series of the traffic metric 'request_rate' carries that label/,
    );
  });

  it('measures the distance between two mixes as the share of requests that would have to change route', () => {
    const queries = { first: 'a', second: 'b' };
    const stable = new Map([
      ['/search', 80],
      ['/health', 20],
    ]);
    const same = compareRouteMix(
      new Map([
        ['/search', 40],
        ['/health', 10],
      ]),
      stable,
      { label: 'route', queries, maxDistance: 0.1 },
    )!;
    expect(same.distance).toBeCloseTo(0, 12);
    expect(same.flagged).toBe(false);
    const shifted = compareRouteMix(
      new Map([
        ['/search', 40],
        ['/health', 50],
        ['/admin', 10],
      ]),
      stable,
      { label: 'route', queries, maxDistance: 0.1 },
    )!;
    // |0.4 − 0.8| + |0.5 − 0.2| + |0.1 − 0| = 0.8, halved.
    expect(shifted.distance).toBeCloseTo(0.4, 12);
    expect(shifted.flagged).toBe(true);
    expect(shifted.largest[0]).toMatchObject({ route: '/search', share: 0.4, otherShare: 0.8 });
    expect(shifted.routes).toBe(3);
    expect(compareRouteMix(new Map(), stable, { label: 'route', queries, maxDistance: 0.1 })).toBeNull();
  });

  it('accepts only a Prometheus label name, so the label cannot rewrite the query', () => {
    expect(checkedRouteLabel('handler')).toBe('handler');
    for (const bad of ['route) or vector(1', '__name__', 'a b', ''])
      expect(() => checkedRouteLabel(bad)).toThrow(/^--route-label: got .*; expected a Prometheus label name/);
    const base = { prometheusUrl: 'http://p:9090', canary: 'version="canary"', stable: 'version="stable"' };
    expect(readVerifySettings({ ...base, routeLabel: 'route' }, 0).routes).toEqual({
      label: 'route',
      maxDistance: 0.1,
    });
    expect(() => readVerifySettings({ ...base, maxRouteDifference: '5%' }, 0)).toThrow(
      /^--max-route-difference: applies with --route-label/,
    );
  });
});
