/**
 * analyzeBeforeAfter on a stub store that answers every range query from one function of time: a
 * daily pattern (latency and traffic rise through the day), autocorrelated noise, and a deploy at a
 * known instant that changes latency by a known factor. The control (the same windows a day earlier)
 * must take the daily rise out; without it the rise reads as a regression.
 */
import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../src/config/targets.js';
import { InfrastructureError } from '../../src/errors.js';
import type { ServerMetricDefinition } from '../../src/metrics/server-metric-definition.js';
import { createRandom } from '../../src/stats/prng.js';
import { analyzeBeforeAfter, beforeAfterWindows } from '../../src/verify/before-after.js';
import { blockBootstrapMean, differenceOfMeans } from '../../src/verify/block-bootstrap.js';
import { parseLabelMatchers } from '../../src/verify/label-matcher.js';
import type { RangeQuery } from '../../src/verify/prometheus-client.js';

const METRICS: ServerMetricDefinition[] = [
  { name: 'pipeline_time', kind: 'histogram_mean', metric: 'app_seconds', unit: 'ms', direction: 'lower-is-better' },
  {
    name: 'request_rate',
    kind: 'counter_rate',
    metric: 'app_requests_total',
    unit: 'req/s',
    direction: 'higher-is-better',
  },
];
const INFOS = METRICS.map((m) => ({
  name: m.name,
  unit: m.unit,
  direction: m.direction,
  source: 'server' as const,
  description: '',
}));
const DAY = 86_400;
const DEPLOY = Math.floor(1_796_000_000 / DAY) * DAY + 9 * 3600; // 09:00 UTC, when the morning rise is steep

/** The store's value of a metric at time t: a daily cycle, AR(1) noise per minute, the deploy's effect after DEPLOY. */
function world(options: { effect: number; trafficAfter?: number; seed?: number }) {
  const random = createRandom(options.seed ?? 5);
  const noise = new Map<number, number>();
  let ar = 0;
  for (let t = DEPLOY - DAY - 4 * 3600; t <= DEPLOY + 4 * 3600; t += 60) {
    ar = 0.6 * ar + 0.03 * random.normal();
    noise.set(t, ar);
  }
  const daily = (t: number) => Math.sin((2 * Math.PI * (t % DAY)) / DAY - Math.PI / 2); // low at 00:00, high at 12:00
  return (metric: string, t: number): number => {
    const after = t >= DEPLOY;
    if (metric === 'request_rate') return (20 + 12 * daily(t)) * (after ? (options.trafficAfter ?? 1) : 1);
    return 80 * (1 + 0.5 * daily(t)) * Math.exp(noise.get(t) ?? 0) * (after ? 1 + options.effect : 1);
  };
}

function stub(value: (metric: string, t: number) => number) {
  const queries: RangeQuery[] = [];
  const queryRange = async (q: RangeQuery) => {
    queries.push(q);
    const metric = q.query.includes('app_requests_total') ? 'request_rate' : 'pipeline_time';
    const values: [number, number][] = [];
    for (let t = q.start; t <= q.end; t += q.stepSeconds) values.push([t, value(metric, t)]);
    return [{ metric: {}, values }];
  };
  return { queries, queryRange };
}

function input(
  value: (metric: string, t: number) => number,
  controlShift: number | null,
  targets = ['pipeline_time worsens <= 5%'],
) {
  const store = stub(value);
  return {
    store,
    input: {
      metrics: METRICS,
      targets: targets.map((t, i) => parseTarget(t, INFOS, `target ${i}`)),
      selector: parseLabelMatchers('app="api"', '--selector'),
      windows: beforeAfterWindows({ deployTime: DEPLOY, windowSeconds: 3600, settleSeconds: 300, controlShift }),
      stepSeconds: 60,
      rateInterval: '60s',
      alpha: 0.02,
      minBuckets: 10,
      seed: 1,
      resamples: 1000,
      traffic: { metric: METRICS[1], maxDifference: 0.2 },
      queryRange: store.queryRange,
    },
  };
}

describe('analyzeBeforeAfter', () => {
  it("queries each window and, with a control, the same windows a day earlier, on the service's selector", async () => {
    const { store, input: i } = input(world({ effect: 0 }), DAY);
    await analyzeBeforeAfter(i);
    const windows = store.queries.filter((q) => q.query.includes('app_seconds')).map((q) => [q.start, q.end]);
    expect(windows).toEqual([
      [DEPLOY - 3600, DEPLOY],
      [DEPLOY + 300, DEPLOY + 3900],
      [DEPLOY - 3600 - DAY, DEPLOY - DAY],
      [DEPLOY + 300 - DAY, DEPLOY + 3900 - DAY],
    ]);
    for (const q of store.queries) expect(q.query).toContain('app="api"');
  });

  it('no change across a morning rise: the control takes the rise out and the 5 % guard passes; without it, the rise reads as a slowdown and the guard cannot pass', async () => {
    const withControl = await analyzeBeforeAfter(input(world({ effect: 0 }), DAY).input);
    const time = withControl.targets[0]!;
    expect(Math.abs(time.estimate!)).toBeLessThan(0.02);
    expect(time.status).toBe('pass');
    expect(withControl.verdict).toBe('pass');
    expect(withControl.trafficShift!.flagged).toBe(false);
    // The raw traffic rose with the morning; against the control's rise it did not move.
    expect(withControl.trafficShift!.afterRate / withControl.trafficShift!.beforeRate).toBeGreaterThan(1.08);
    expect(withControl.trafficShift!.ratio).toBeCloseTo(1, 2);

    const without = await analyzeBeforeAfter(input(world({ effect: 0 }), null).input);
    expect(without.targets[0]!.estimate!).toBeGreaterThan(0.06);
    expect(without.targets[0]!.status).not.toBe('pass');
  });

  it('a deploy that made the pipeline 20 % slower fails "worsens <= 5%" with the estimate near +20 %', async () => {
    const analysis = await analyzeBeforeAfter(input(world({ effect: 0.2 }), DAY).input);
    const time = analysis.targets[0]!;
    expect(time.status).toBe('fail');
    expect(time.estimate!).toBeGreaterThan(0.16);
    expect(time.estimate!).toBeLessThan(0.24);
    expect(time.interval![0]).toBeGreaterThan(0.05);
    expect(analysis.verdict).toBe('fail');
    expect(analysis.metrics[0]).toMatchObject({
      metric: 'pipeline_time',
      before: 61,
      after: 61,
      withoutControl: { before: 0, after: 0 },
    });
  });

  it('a pass with the request rate halved after the deploy is not reported as a pass', async () => {
    const analysis = await analyzeBeforeAfter(input(world({ effect: 0, trafficAfter: 0.5 }), DAY).input);
    expect(analysis.targets[0]!.status).toBe('pass');
    expect(analysis.trafficShift!.flagged).toBe(true);
    expect(analysis.verdict).toBe('inconclusive');
  });

  it('a store without a day of history: exit 3 naming the control, never a pass', async () => {
    const value = world({ effect: 0 });
    const { input: i } = input((m, t) => (t < DEPLOY - 4 * 3600 ? Number.NaN : value(m, t)), DAY);
    await expect(analyzeBeforeAfter(i)).rejects.toThrow(InfrastructureError);
    await expect(analyzeBeforeAfter(i)).rejects.toThrow(/before either window, the control; .*--control none/);
  });

  it('absolute targets are judged on the after window alone', async () => {
    const { input: i } = input(world({ effect: 0 }), DAY, ['pipeline_time < 200ms']);
    const analysis = await analyzeBeforeAfter(i);
    expect(analysis.targets[0]).toMatchObject({ kind: 'absolute', status: 'pass', buckets: 61 });
    expect(analysis.targets[0]!.estimate!).toBeGreaterThan(80);
  });
});

describe('differenceOfMeans', () => {
  it('adds the two standard errors in variance and gives Welch–Satterthwaite degrees of freedom', () => {
    const random = createRandom(3);
    const a = blockBootstrapMean(
      Array.from({ length: 60 }, () => 1 + 0.1 * random.normal()),
      { seed: 1, resamples: 2000 },
    );
    const b = blockBootstrapMean(
      Array.from({ length: 30 }, () => 0.5 + 0.3 * random.normal()),
      { seed: 2, resamples: 2000 },
    );
    const d = differenceOfMeans(a, b);
    expect(d.estimate).toBeCloseTo(a.estimate - b.estimate, 12);
    expect(d.standardError).toBeCloseTo(Math.hypot(a.standardError, b.standardError), 12);
    const va = a.standardError ** 2;
    const vb = b.standardError ** 2;
    expect(d.degreesOfFreedom).toBeCloseTo(
      (va + vb) ** 2 / (va ** 2 / a.degreesOfFreedom + vb ** 2 / b.degreesOfFreedom),
      9,
    );
    expect(d.degreesOfFreedom).toBeLessThanOrEqual(a.degreesOfFreedom + b.degreesOfFreedom);
    const [lo, hi] = d.interval(0.95);
    expect(d.pValue(lo)).toBeCloseTo(0.05, 6);
    expect(d.pValue(hi)).toBeCloseTo(0.05, 6);
  });
});
