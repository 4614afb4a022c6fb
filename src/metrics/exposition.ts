/**
 * The parsed form of one /metrics scrape, in either the Prometheus text format 0.0.4 or OpenMetrics 1.0.
 * Families are keyed by their name as declared by `# TYPE`/`# HELP` (or, for samples without metadata,
 * by the sample name). Samples keep their full name (`foo_bucket`, `foo_total`, `foo_created`...), so a
 * caller can tell the parts of a histogram or counter apart without re-deriving suffixes.
 */
export type ExpositionFormat = 'prometheus-text-0.0.4' | 'openmetrics-1.0';

/**
 * 'untyped' is the 0.0.4 word, 'unknown' the OpenMetrics one; both mean "no type given".
 * Source: https://prometheus.io/docs/instrumenting/exposition_formats/ and the OpenMetrics 1.0 spec.
 */
export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'gaugehistogram'
  | 'summary'
  | 'info'
  | 'stateset'
  | 'untyped'
  | 'unknown';

/** Label name -> value. Objects are created without a prototype, so a label called `__proto__` is just a label. */
export type Labels = Readonly<Record<string, string>>;

export interface Exemplar {
  labels: Labels;
  value: number;
  /** Milliseconds since the epoch, when the exemplar carried a timestamp. */
  timestampMs?: number;
}

export interface Sample {
  /** The full sample name as exposed, e.g. `rag_pipeline_duration_seconds_bucket`. */
  name: string;
  labels: Labels;
  value: number;
  /** Milliseconds since the epoch (0.0.4 timestamps are milliseconds, OpenMetrics ones seconds). */
  timestampMs?: number;
  exemplar?: Exemplar;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  unit?: string;
  samples: Sample[];
}

export interface Exposition {
  format: ExpositionFormat;
  families: ReadonlyMap<string, MetricFamily>;
}
