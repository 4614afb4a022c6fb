/**
 * analyzeCanary on a stub store: per query, the answer a Prometheus would give for the variant the
 * query's matchers select. The statistics are exercised end to end: targets, Holm, traffic mix.
 */
import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../src/config/targets.js';
import { InfrastructureError, InputError } from '../../src/errors.js';
import type { ServerMetricDefinition } from '../../src/metrics/server-metric-definition.js';
import { createRandom } from '../../src/stats/prng.js';
import { analyzeCanary, type CanaryAnalysisInput } from '../../src/verify/canary-analysis.js';
import { parseLabelMatchers } from '../../src/verify/label-matcher.js';
import type { RangeQuery } from '../../src/verify/prometheus-client.js';

const METRICS: ServerMetricDefinition[] = [
  {
    name: 'pipeline_time',
    kind: 'histogram_mean',
    metric: 'app_seconds',
    unit: 'ms',
    direction: 'lower-is-better',
  },
  {
    name: 'error_ratio',
    kind: 'counter_ratio',
    metric: 'app_errors_total',
    denominator: { metric: 'app_requests_total' },
    unit: 'ratio',
    direction: 'lower-is-better',
  },
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

/** Values per variant and metric over 60 one-minute buckets; `drop` leaves buckets out of one variant. */
function stubStore(options: {
  slowdown?: number;
  canaryTraffic?: number;
  dropCanary?: number[];
  noise?: number;
  empty?: 'canary' | 'stable';
}) {
  const random = createRandom(11);
  const buckets = Array.from({ length: 60 }, (_, i) => 60 * (i + 1));
  const series = new Map<string, number[]>();
  for (const variant of ['canary', 'stable']) {
    let ar = 0;
    series.set(
      `pipeline_time|${variant}`,
      buckets.map((t) => {
        ar = 0.7 * ar + (options.noise ?? 0.02) * random.normal();
        const load = 1 + 0.3 * Math.sin(t / 600);
        return 100 * load * Math.exp(ar) * (variant === 'canary' ? (options.slowdown ?? 1) : 1);
      }),
    );
    series.set(
      `error_ratio|${variant}`,
      buckets.map(() => 0.002),
    );
    series.set(
      `request_rate|${variant}`,
      buckets.map((t) => (10 + 5 * Math.sin(t / 900)) * (variant === 'canary' ? (options.canaryTraffic ?? 1) : 1)),
    );
  }
  const queries: string[] = [];
  const queryRange = async (q: RangeQuery) => {
    queries.push(q.query);
    const variant = q.query.includes('version="canary"') ? 'canary' : 'stable';
    if (options.empty === variant) return [];
    const metric = q.query.includes('_sum')
      ? 'pipeline_time'
      : q.query.includes('app_errors_total')
        ? 'error_ratio'
        : 'request_rate';
    const values = series.get(`${metric}|${variant}`)!;
    return [
      {
        metric: {},
        values: buckets
          .map((t, i): [number, number] => [t, values[i]!])
          .filter(([t]) => !(variant === 'canary' && options.dropCanary?.includes(t))),
      },
    ];
  };
  return { queryRange, queries };
}

function input(
  store: ReturnType<typeof stubStore>,
  targets: string[],
  extra: Partial<CanaryAnalysisInput> = {},
): CanaryAnalysisInput {
  return {
    metrics: METRICS,
    targets: targets.map((t) => parseTarget(t, INFOS)),
    canary: parseLabelMatchers('version="canary"', '--canary'),
    stable: parseLabelMatchers('version="stable"', '--stable'),
    start: 0,
    end: 3600,
    stepSeconds: 60,
    rateInterval: '1m',
    alpha: 0.02,
    minBuckets: 10,
    seed: 1,
    resamples: 1000,
    traffic: { metric: METRICS[2], expectedRatio: 1, maxDifference: 0.2 },
    queryRange: store.queryRange,
    ...extra,
  };
}

describe('analyzeCanary', () => {
  it('fails a canary 20 % slower on "worsens <= 5%", with the estimate and interval around +20 %', async () => {
    const result = await analyzeCanary(input(stubStore({ slowdown: 1.2 }), ['pipeline_time worsens <= 5%']));
    const [target] = result.targets;
    expect(target!.status).toBe('fail');
    expect(target!.estimate!).toBeCloseTo(0.2, 1);
    expect(target!.interval![0]).toBeGreaterThan(0.05);
    expect(target!.interval![0]).toBeLessThan(0.2);
    expect(target!.interval![1]).toBeGreaterThan(0.2);
    expect(result.verdict).toBe('fail');
  });

  it('passes identical variants, and judges an absolute target on the canary values alone', async () => {
    const result = await analyzeCanary(
      input(stubStore({ noise: 0.01 }), ['pipeline_time worsens <= 5%', 'error_ratio <= 1%', 'error_ratio < 0.1%']),
    );
    expect(result.targets.map((t) => t.status)).toEqual(['pass', 'pass', 'fail']);
    expect(result.targets[1]!.estimate).toBe(0.002);
    expect(result.verdict).toBe('fail');
  });

  it('uses Holm: the first target at alpha / m, each later one at a wider level', async () => {
    const result = await analyzeCanary(
      input(stubStore({ slowdown: 1.2 }), ['pipeline_time worsens <= 5%', 'pipeline_time worsens <= 50%']),
    );
    const levels = result.targets.map((t) => t.confidenceLevel);
    expect(levels).toContain(1 - 0.02 / 2);
    expect(levels).toContain(1 - 0.02);
  });

  it('leaves out buckets one variant lacks, with a count, and sends one query per variant and metric', async () => {
    const store = stubStore({ dropCanary: [60, 120, 180] });
    const result = await analyzeCanary(input(store, ['pipeline_time worsens <= 5%', 'pipeline_time improves >= 1%']));
    expect(result.metrics).toEqual([
      expect.objectContaining({ metric: 'pipeline_time', paired: 57, onlyCanary: 0, onlyStable: 3, notPositive: 0 }),
    ]);
    expect(result.targets[0]!.buckets).toBe(57);
    // pipeline_time twice (canary, stable), request_rate twice for the traffic check; no query repeated.
    expect(store.queries).toHaveLength(4);
  });

  it('reports a target with too few buckets as no-data, and the verdict inconclusive', async () => {
    const result = await analyzeCanary(input(stubStore({}), ['pipeline_time worsens <= 5%'], { minBuckets: 100 }));
    expect(result.targets[0]).toMatchObject({ status: 'no-data', reason: '60 usable bucket(s), at least 100 needed' });
    expect(result.verdict).toBe('inconclusive');
  });

  it('flags a traffic mix off the intended ratio, and then reports no pass', async () => {
    const result = await analyzeCanary(
      input(stubStore({ canaryTraffic: 0.6, noise: 0.01 }), ['pipeline_time worsens <= 5%']),
    );
    expect(result.trafficMix).toMatchObject({ flagged: true, expectedRatio: 1 });
    expect(result.trafficMix!.ratio).toBeCloseTo(0.6, 6);
    expect(result.targets[0]!.status).toBe('pass');
    expect(result.verdict).toBe('inconclusive');
    const intended = await analyzeCanary(
      input(stubStore({ canaryTraffic: 0.6, noise: 0.01 }), ['pipeline_time worsens <= 5%'], {
        traffic: { metric: METRICS[2], expectedRatio: 0.6, maxDifference: 0.2 },
      }),
    );
    expect(intended.trafficMix!.flagged).toBe(false);
    expect(intended.verdict).toBe('pass');
  });

  it('turns a variant whose query returned nothing into exit 3 with the query, never a pass', async () => {
    const failure = analyzeCanary(input(stubStore({ empty: 'stable' }), ['pipeline_time worsens <= 5%']));
    await expect(failure).rejects.toThrow(InfrastructureError);
    await expect(failure).rejects.toThrow(/stable query returned no values .*app_seconds_sum\{version="stable"\}/);
  });

  it('refuses a target on a metric the config does not define for the store', async () => {
    const target = {
      kind: 'absolute' as const,
      expression: 'latency_p95 < 5ms',
      metric: 'latency_p95',
      comparator: '<' as const,
      threshold: 5,
    };
    await expect(analyzeCanary({ ...input(stubStore({}), []), targets: [target] })).rejects.toThrow(InputError);
  });

  it('is reproducible: the same seed gives the same intervals', async () => {
    const a = await analyzeCanary(input(stubStore({ slowdown: 1.04, noise: 0.05 }), ['pipeline_time worsens <= 5%']));
    const b = await analyzeCanary(input(stubStore({ slowdown: 1.04, noise: 0.05 }), ['pipeline_time worsens <= 5%']));
    expect(a.targets).toEqual(b.targets);
  });
});
