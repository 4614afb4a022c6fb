/** The metrics stage: parse /metrics scrapes, compute per-round server metrics. */
export type { Exemplar, Exposition, ExpositionFormat, Labels, MetricFamily, MetricType, Sample } from './exposition.js';
export { parseExposition, type ParseExpositionOptions } from './parse-exposition.js';
export { parsePrometheusNumber } from './prometheus-number.js';
export { histogramQuantile, type Bucket } from './histogram-quantile.js';
export {
  findFamily,
  matchesLabels,
  selectCounterSeries,
  selectGaugeSeries,
  selectHistogramSeries,
  sumHistograms,
  type HistogramSnapshot,
  type LabelMatchers,
} from './select-series.js';
export { counterDelta, detectRestart, histogramDelta, PROCESS_START_METRIC, type Delta } from './deltas.js';
export { SERVER_METRIC_KINDS, UNITS_BY_KIND, type ServerMetricDefinition, type ServerMetricKind } from './server-metric-definition.js';
export { computeServerMetrics, missingFamilies, type ServerMetricsResult } from './compute-server-metrics.js';
export { redactUrl, scrapeMetrics, type MetricsFetcher, type MetricsResponse, type ScrapeOptions } from './scrape-metrics.js';
export { createServerMetricsHooks, type ServerMetricsHooks } from './server-metrics-hooks.js';
