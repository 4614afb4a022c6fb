/**
 * The shared domain types of a run (variants, metrics, rounds), here rather than in the stage that
 * produces them so that config, load, metrics, stats, gate and report read them without importing each other.
 *
 * One measured round of one variant: the unit of analysis of the statistics stage.
 * Rounds are paired by `pair`: pair k holds one baseline and one candidate round run back to back
 * in a seeded random order, so slow drift of the machine hits both variants alike.
 */
export type Variant = 'baseline' | 'candidate';

export type MetricUnit = 'ms' | 'ratio' | 'req/s' | 'count';
export type MetricDirection = 'lower-is-better' | 'higher-is-better';

/** What a metric is, so statistics know which way is good and reports know how to print it. */
export interface MetricInfo {
  name: string;
  unit: MetricUnit;
  direction: MetricDirection;
  source: 'client' | 'server';
  description: string;
}

/** Client-side metrics every round yields; server metrics come from the config. */
export const CLIENT_METRICS: readonly MetricInfo[] = [
  {
    name: 'latency_p50',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'client',
    description: 'client latency, median',
  },
  {
    name: 'latency_p90',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'client',
    description: 'client latency, 90th percentile',
  },
  {
    name: 'latency_p95',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'client',
    description: 'client latency, 95th percentile',
  },
  {
    name: 'latency_p99',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'client',
    description: 'client latency, 99th percentile',
  },
  {
    name: 'latency_max',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'client',
    description: 'client latency, maximum',
  },
  {
    name: 'latency_mean',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'client',
    description: 'client latency, mean',
  },
  {
    name: 'throughput',
    unit: 'req/s',
    direction: 'higher-is-better',
    source: 'client',
    description: 'completed requests per second',
  },
  {
    name: 'error_rate',
    unit: 'ratio',
    direction: 'lower-is-better',
    source: 'client',
    description: 'share of requests that failed',
  },
];

export interface ErrorCounts {
  /** Responses with a non-2xx status, by status code. */
  status: Record<string, number>;
  timeout: number;
  reset: number;
  other: number;
}

/** "HTTP 500 × 40, timeout × 3": failed requests by kind, for messages. */
export function describeErrors(errors: ErrorCounts): string {
  const parts = Object.entries(errors.status).map(([status, count]) => `HTTP ${status} × ${count}`);
  for (const kind of ['timeout', 'reset', 'other'] as const)
    if (errors[kind] > 0) parts.push(`${kind} × ${errors[kind]}`);
  return parts.join(', ') || 'no errors';
}

export interface ClientRoundStats {
  requests: number;
  ok: number;
  errors: ErrorCounts;
  /** Requests completed per second over the round. */
  achievedRate: number;
  /** Open loop only: the planned arrival rate. */
  targetRate?: number;
  /** Open loop only: sends that left later than planned by more than the lateness allowance. */
  lateSends?: number;
  /** Latency of successful requests in milliseconds. */
  latencyMs: { p50: number; p90: number; p95: number; p99: number; max: number; mean: number };
  /** The round's HDR histogram of latencies in microseconds, base64 (compressed), for re-analysis. */
  histogram?: string;
  /** Generator self-monitoring: event-loop delay p99 and CPU use of the load process. */
  generator?: { eventLoopDelayP99Ms: number; cpuShare: number };
}

export interface RoundRecord {
  /** Position in the executed schedule, from 0. */
  index: number;
  pair: number;
  variant: Variant;
  /**
   * With `load.processes` above 1: which start of the two backends measured the round, from 0 (both
   * rounds of a pair share it). Absent when the run kept one pair of processes throughout.
   */
  process?: number;
  startedAt: string;
  durationMs: number;
  /**
   * False when the generator could not measure the round (aborted, requests it refused to send, too many sends
   * it sent late). What the server did (errors, timeouts, closed connections, a rate it could not keep up
   * with) never makes a round invalid: that is the measurement.
   */
  valid: boolean;
  invalidReasons: string[];
  /** Warnings that do not invalidate the round, e.g. 'generator-saturated', 'no-successful-response'. */
  flags: string[];
  /** Why the server metrics of this round are missing (scrape failed, counter reset); its client metrics still count. */
  serverMetricsProblems?: string[];
  client: ClientRoundStats;
  /** Metric name -> value for this round (client and server metrics), null when not measurable. */
  values: Record<string, number | null>;
  /**
   * Server histogram quantiles that the buckets bound rather than measure in this round, by metric name
   * (src/metrics/histogram-quantile.ts): `values[name]` is then Prometheus's interpolation inside one bucket.
   * Absent when no value of the round is bucket-bound, and in files from versions before it.
   */
  bounds?: Record<string, ValueBound>;
  /**
   * Server ratio metrics (kind counter_ratio) -> the counter deltas behind this round's value: `events`
   * (numerator) of `trials` (denominator), so absolute targets on a rate are judged on the pooled counts.
   * Absent in rounds recorded before it existed, or for a round with no denominator events.
   */
  counts?: Record<string, RoundCount>;
}

/** What a histogram's buckets guarantee about a value they do not measure; null is unbounded on that side. */
export interface ValueBound {
  lower: number | null;
  upper: number | null;
}

/** A rate's counts over one round: `events` of `trials` (errors of requests, early exits of rerank decisions). */
export interface RoundCount {
  events: number;
  trials: number;
}
