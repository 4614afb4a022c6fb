import type { MetricUnit } from '../model/round-record.js';

/**
 * A server-side metric perf-gate computes per round from two /metrics scrapes (before and after the round).
 * The config's `metrics` list holds these (checked by the config loader, src/config/load.ts); the benchmark
 * loop receives them through injection.
 */
export interface ServerMetricDefinition {
  /** Metric name in perf-gate, e.g. 'pipeline_time'. */
  name: string;
  description?: string;
  kind: 'histogram_mean' | 'histogram_quantile' | 'counter_ratio' | 'counter_rate' | 'gauge';
  /** Prometheus family, e.g. 'rag_pipeline_duration_seconds'. */
  metric: string;
  /** Equality matchers; series not matching are ignored, matching ones summed. */
  labels?: Record<string, string>;
  /** For histogram_quantile, 0..1. */
  quantile?: number;
  /** For counter_ratio. */
  denominator?: { metric: string; labels?: Record<string, string> };
  /** Histograms (and gauges) of *_seconds are converted to ms when unit is 'ms'. */
  unit: 'ms' | 'ratio' | 'req/s' | 'count';
  direction: 'lower-is-better' | 'higher-is-better';
}

export type ServerMetricKind = ServerMetricDefinition['kind'];

export const SERVER_METRIC_KINDS: readonly ServerMetricKind[] = [
  'histogram_mean',
  'histogram_quantile',
  'counter_ratio',
  'counter_rate',
  'gauge',
];

/**
 * The units that make sense for each kind, the first being the default: a ratio of counters is a ratio, a
 * counter's increase per second is a rate, a histogram of durations is in ms.
 */
export const UNITS_BY_KIND: Readonly<Record<ServerMetricKind, readonly MetricUnit[]>> = {
  histogram_mean: ['ms', 'count', 'ratio'],
  histogram_quantile: ['ms', 'count', 'ratio'],
  counter_ratio: ['ratio'],
  counter_rate: ['req/s'],
  gauge: ['count', 'ms', 'ratio', 'req/s'],
};
