import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { computeServerMetrics, missingFamilies } from '../../src/metrics/compute-server-metrics.js';
import { counterDelta, histogramDelta } from '../../src/metrics/deltas.js';
import { parseExposition } from '../../src/metrics/parse-exposition.js';
import type { ServerMetricDefinition } from '../../src/metrics/server-metric-definition.js';

/** A prom-client-shaped scrape of the RAG backend, with the counts given. */
function scrape(options: {
  start?: number;
  total?: number[]; // cumulative bucket counts for step="total" at le 0.01, 0.05, 0.1, +Inf
  totalSum?: number;
  rerank?: number[] | undefined;
  searches?: number;
  earlyExit?: number | undefined;
  poolWait?: number;
}): ReturnType<typeof parseExposition> {
  const lines = ['# HELP process_start_time_seconds Start time.', '# TYPE process_start_time_seconds gauge'];
  lines.push(`process_start_time_seconds ${options.start ?? 1700000000}`);
  lines.push('# TYPE rag_pipeline_duration_seconds histogram');
  const bounds = ['0.01', '0.05', '0.1', '+Inf'];
  const total = options.total ?? [0, 0, 0, 0];
  for (const [i, le] of bounds.entries())
    lines.push(`rag_pipeline_duration_seconds_bucket{le="${le}",step="total"} ${total[i]}`);
  lines.push(`rag_pipeline_duration_seconds_sum{step="total"} ${options.totalSum ?? 0}`);
  lines.push(`rag_pipeline_duration_seconds_count{step="total"} ${total[3]}`);
  if (options.rerank !== undefined) {
    for (const [i, le] of bounds.entries()) {
      lines.push(`rag_pipeline_duration_seconds_bucket{le="${le}",step="rerank"} ${options.rerank[i]}`);
    }
    lines.push(`rag_pipeline_duration_seconds_sum{step="rerank"} 1`);
    lines.push(`rag_pipeline_duration_seconds_count{step="rerank"} ${options.rerank[3]}`);
  }
  lines.push('# TYPE rag_searches_total counter', `rag_searches_total ${options.searches ?? 0}`);
  if (options.earlyExit !== undefined)
    lines.push('# TYPE rag_early_exit_total counter', `rag_early_exit_total ${options.earlyExit}`);
  lines.push('# TYPE rag_db_pool_size gauge', `rag_db_pool_size{pool="main"} ${options.poolWait ?? 20}`);
  return parseExposition(lines.join('\n'));
}

const DEFS: ServerMetricDefinition[] = [
  {
    name: 'pipeline_time',
    kind: 'histogram_mean',
    metric: 'rag_pipeline_duration_seconds',
    labels: { step: 'total' },
    unit: 'ms',
    direction: 'lower-is-better',
  },
  {
    name: 'pipeline_p90',
    kind: 'histogram_quantile',
    quantile: 0.9,
    metric: 'rag_pipeline_duration_seconds',
    labels: { step: 'total' },
    unit: 'ms',
    direction: 'lower-is-better',
  },
  {
    name: 'rerank_p50',
    kind: 'histogram_quantile',
    quantile: 0.5,
    metric: 'rag_pipeline_duration_seconds',
    labels: { step: 'rerank' },
    unit: 'ms',
    direction: 'lower-is-better',
  },
  {
    name: 'early_exit_rate',
    kind: 'counter_ratio',
    metric: 'rag_early_exit_total',
    denominator: { metric: 'rag_searches_total' },
    unit: 'ratio',
    direction: 'higher-is-better',
  },
  {
    name: 'search_rate',
    kind: 'counter_rate',
    metric: 'rag_searches_total',
    unit: 'req/s',
    direction: 'higher-is-better',
  },
  { name: 'pool_size', kind: 'gauge', metric: 'rag_db_pool_size', unit: 'count', direction: 'higher-is-better' },
];

describe('computeServerMetrics over one round', () => {
  const before = scrape({ total: [10, 20, 30, 30], totalSum: 1.5, searches: 100, earlyExit: 10 });
  const after = scrape({
    total: [10, 60, 110, 130],
    totalSum: 9.5,
    rerank: [0, 4, 4, 4],
    searches: 200,
    earlyExit: 45,
  });
  const result = computeServerMetrics(DEFS, before, after, 10);

  it('uses only what happened in the round, converting seconds to ms', () => {
    // Round delta: 100 observations summing to 8 s -> mean 80 ms.
    expect(result.values.pipeline_time).toBeCloseTo(80, 9);
    // Delta buckets: 0.01:0, 0.05:40, 0.1:80, +Inf:100 -> rank 90 in +Inf -> highest finite bound 0.1 s.
    expect(result.values.pipeline_p90).toBeCloseTo(100, 9);
    // Series that appeared during the round count from zero: rerank rank 2 of 4 in (0.01, 0.05] -> 0.03 s.
    expect(result.values.rerank_p50).toBeCloseTo(30, 9);
    expect(result.values.early_exit_rate).toBeCloseTo(35 / 100, 12);
    expect(result.values.search_rate).toBeCloseTo(10, 12);
    expect(result.values.pool_size).toBe(20);
    expect(result.invalidReasons).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('says which quantiles the buckets bound rather than measure, in the metric unit', () => {
    // pipeline_p90's rank fell in +Inf: the 100 ms answered is only a lower bound. All four rerank observations
    // fell in (10 ms, 50 ms]: the 30 ms is the bucket's middle whatever they were. The mean is never bound.
    expect(result.bounds).toEqual({
      pipeline_p90: { lower: 100, upper: null },
      rerank_p50: { lower: 10, upper: 50 },
    });
    const spread = computeServerMetrics(
      DEFS,
      before,
      scrape({ total: [20, 60, 130, 130], totalSum: 9.5, searches: 200, earlyExit: 45 }),
      10,
    );
    expect(spread.values.pipeline_p90).toBeCloseTo(50 + (50 * 50) / 60, 9);
    expect(spread.bounds).toBeUndefined();
    // Every wait under the lowest bound (the field's pool_wait_p95 = 475 µs in every round): at most 10 ms.
    const fast = computeServerMetrics(DEFS, before, scrape({ total: [110, 120, 130, 130], searches: 100 }), 10);
    expect(fast.values.pipeline_p90).toBeCloseTo(9, 9);
    expect(fast.bounds).toEqual({ pipeline_p90: { lower: 0, upper: 10 } });
  });

  it('gives null, not 0 or NaN, when the round had no observations', () => {
    const idle = computeServerMetrics(DEFS, before, before, 10);
    expect(idle.values.pipeline_time).toBeNull();
    expect(idle.values.pipeline_p90).toBeNull();
    expect(idle.values.early_exit_rate).toBeNull();
    expect(idle.values.search_rate).toBe(0);
    expect(idle.invalidReasons).toEqual([]);
    // No denominator events, no value: and no counts to pool either.
    expect(idle.counts).toEqual({});
  });

  it('keeps the counter deltas behind a ratio, so a rate target can be judged on the pooled counts', () => {
    // 35 early exits of 100 searches in the round; only counter_ratio metrics carry counts.
    expect(result.counts).toEqual({ early_exit_rate: { events: 35, trials: 100 } });
  });

  it('sums every series matching the labels, and all series without labels', () => {
    const defs: ServerMetricDefinition[] = [
      {
        name: 'all_steps',
        kind: 'histogram_mean',
        metric: 'rag_pipeline_duration_seconds',
        unit: 'ms',
        direction: 'lower-is-better',
      },
    ];
    // total: 100 obs / 8 s; rerank: 4 obs / 1 s -> 9 s / 104.
    expect(computeServerMetrics(defs, before, after, 10).values.all_steps).toBeCloseTo((9 / 104) * 1000, 9);
  });

  it('does not convert histograms that are not in seconds, or when the unit is not ms', () => {
    const defs: ServerMetricDefinition[] = [
      {
        name: 'raw',
        kind: 'histogram_mean',
        metric: 'rag_pipeline_duration_seconds',
        labels: { step: 'total' },
        unit: 'count',
        direction: 'lower-is-better',
      },
    ];
    expect(computeServerMetrics(defs, before, after, 10).values.raw).toBeCloseTo(0.08, 12);
  });

  it('rejects a non-positive round duration', () => {
    expect(() => computeServerMetrics(DEFS, before, after, 0)).toThrow(InputError);
    expect(() => computeServerMetrics(DEFS, before, after, Number.NaN)).toThrow(/elapsedSeconds/);
  });
});

describe('resets make the round invalid', () => {
  it('flags a counter that went down, naming it', () => {
    const before = scrape({ searches: 500, earlyExit: 100 });
    const after = scrape({ searches: 20, earlyExit: 5 });
    const result = computeServerMetrics(DEFS, before, after, 10);
    expect(result.invalidReasons).toContain(
      'search_rate: counter rag_searches_total went down from 500 to 20 (counter reset)',
    );
    expect(result.values.search_rate).toBeNull();
    expect(result.values.early_exit_rate).toBeNull();
  });

  it('flags histogram buckets that went down', () => {
    const before = scrape({ total: [10, 20, 30, 30], totalSum: 2 });
    const after = scrape({ total: [1, 2, 3, 3], totalSum: 0.1 });
    const result = computeServerMetrics(DEFS, before, after, 10);
    expect(
      result.invalidReasons.some((r) =>
        r.startsWith('pipeline_time: histogram rag_pipeline_duration_seconds{step="total"} bucket le=0.01 went down'),
      ),
    ).toBe(true);
  });

  it('flags a changed process_start_time_seconds even when counters grew', () => {
    const before = scrape({ start: 1700000000, searches: 10 });
    const after = scrape({ start: 1700000042, searches: 50 });
    const result = computeServerMetrics(DEFS, before, after, 10);
    expect(result.invalidReasons).toEqual([
      'server restarted during the round (process_start_time_seconds changed from 1700000000 to 1700000042)',
    ]);
    expect(Object.values(result.values).every((v) => v === null)).toBe(true);
  });

  it('catches a reset in one series that growth in another would hide in the sum', () => {
    const text = (a: number, b: number) =>
      `# TYPE req_total counter\nreq_total{code="200"} ${a}\nreq_total{code="500"} ${b}\n`;
    const defs: ServerMetricDefinition[] = [
      { name: 'rate', kind: 'counter_rate', metric: 'req_total', unit: 'req/s', direction: 'higher-is-better' },
    ];
    const result = computeServerMetrics(defs, parseExposition(text(100, 5)), parseExposition(text(200, 1)), 1);
    expect(result.invalidReasons).toEqual([
      'rate: counter req_total{code="500"} went down from 5 to 1 (counter reset)',
    ]);
  });
});

describe('metrics the server does not expose', () => {
  it('yield null and a warning naming the family, without invalidating the round', () => {
    // A baseline built before the instrumentation existed has no early-exit counter.
    const before = scrape({ searches: 0 });
    const after = scrape({ searches: 50 });
    const result = computeServerMetrics(DEFS, before, after, 10);
    expect(result.values.early_exit_rate).toBeNull();
    expect(result.warnings).toEqual(['early_exit_rate: metric rag_early_exit_total not exposed by the server']);
    expect(result.invalidReasons).toEqual([]);
    expect(result.values.search_rate).toBe(5);
  });

  it('are listed by missingFamilies for a one-time warning', () => {
    expect(missingFamilies(DEFS, scrape({}))).toEqual(['rag_early_exit_total']);
    expect(missingFamilies(DEFS, scrape({ earlyExit: 0 }))).toEqual([]);
  });

  it('a series that vanished between scrapes is a reset', () => {
    const before = parseExposition('# TYPE c_total counter\nc_total{a="x"} 4\n');
    const after = parseExposition('# TYPE c_total counter\n');
    const defs: ServerMetricDefinition[] = [
      { name: 'r', kind: 'counter_rate', metric: 'c_total', unit: 'req/s', direction: 'higher-is-better' },
    ];
    expect(computeServerMetrics(defs, before, after, 1).invalidReasons).toEqual([
      'r: counter c_total{a="x"} disappeared between scrapes (counter reset)',
    ]);
  });
});

describe('counterDelta and histogramDelta', () => {
  it('count a new series from zero and report decreases', () => {
    expect(counterDelta(undefined, 7)).toEqual({ ok: true, delta: 7 });
    expect(counterDelta(3, 7)).toEqual({ ok: true, delta: 4 });
    expect(counterDelta(8, 7, 'counter x')).toEqual({
      ok: false,
      reason: 'counter x went down from 8 to 7 (counter reset)',
    });
  });

  it('subtract bucket by bucket and allow the sum to fall (negative observations)', () => {
    const before = {
      buckets: [
        { upperBound: 0, count: 1 },
        { upperBound: Infinity, count: 2 },
      ],
      count: 2,
      sum: 5,
    };
    const after = {
      buckets: [
        { upperBound: 0, count: 4 },
        { upperBound: Infinity, count: 6 },
      ],
      count: 6,
      sum: 1,
    };
    expect(histogramDelta(before, after)).toEqual({
      ok: true,
      delta: {
        buckets: [
          { upperBound: 0, count: 3 },
          { upperBound: Infinity, count: 4 },
        ],
        count: 4,
        sum: -4,
      },
    });
    expect(histogramDelta(after, before).ok).toBe(false);
    const lost = { ...after, buckets: [{ upperBound: Infinity, count: 6 }] };
    expect(histogramDelta(before, lost, 'h')).toEqual({ ok: false, reason: 'h lost its bucket le=0 between scrapes' });
  });
});
