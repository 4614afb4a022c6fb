import { invalidValue } from '../errors.js';
import type { RoundCount, ValueBound } from '../model/round-record.js';
import { counterDelta, detectRestart, histogramDelta } from './deltas.js';
import type { Exposition } from './exposition.js';
import { histogramQuantile, histogramQuantileBound } from './histogram-quantile.js';
import {
  type HistogramSnapshot,
  type LabelMatchers,
  selectCounterSeries,
  selectGaugeSeries,
  selectHistogramSeries,
  sumHistograms,
} from './select-series.js';
import type { ServerMetricDefinition } from './server-metric-definition.js';

/**
 * Values of the server metrics for one round, from the scrape before and the scrape after it.
 *
 * - `values[name]` is null when the round had no observations for it (0 requests, an empty denominator),
 *   when the family is not exposed, or when the round is invalid for that metric.
 * - `invalidReasons` make the round unusable: a counter or histogram that went down, or a changed
 *   `process_start_time_seconds`, means the server restarted mid-round.
 * - `warnings` do not invalidate the round. A family the server does not expose is a warning, not an
 *   invalid round: a baseline built before the instrumentation existed (the RAG "Phase 1" change adds the
 *   pipeline metrics) must still yield its client-side metrics. Its value is null, so the statistics stage
 *   reports "no data" for that metric instead of a number.
 * - `bounds[name]` is set for a histogram quantile the round's buckets bound rather than measure (every
 *   observation in one bucket, or the quantile beyond the highest finite bucket): its value is then
 *   Prometheus's interpolation, and the bound is what the buckets guarantee (histogramQuantileBound).
 */
export interface ServerMetricsResult {
  values: Record<string, number | null>;
  /** counter_ratio metrics with a value: the numerator and denominator deltas behind it. */
  counts: Record<string, RoundCount>;
  invalidReasons: string[];
  warnings: string[];
  bounds?: Record<string, ValueBound>;
}

export function computeServerMetrics(
  defs: readonly ServerMetricDefinition[],
  before: Exposition,
  after: Exposition,
  elapsedSeconds: number,
): ServerMetricsResult {
  if (!(elapsedSeconds > 0) || !Number.isFinite(elapsedSeconds)) {
    throw invalidValue('elapsedSeconds', elapsedSeconds, 'a positive, finite number of seconds');
  }
  const values: Record<string, number | null> = {};
  const bounds: Record<string, ValueBound> = {};
  const counts: Record<string, RoundCount> = {};
  const invalidReasons: string[] = [];
  const warnings: string[] = [];
  const restart = detectRestart(before, after);
  if (restart !== undefined) {
    invalidReasons.push(restart);
    for (const def of defs) values[def.name] = null;
    return { values, counts, invalidReasons, warnings };
  }
  for (const def of defs) {
    const outcome = computeOne(def, before, after, elapsedSeconds);
    if (outcome.invalid !== undefined) invalidReasons.push(`${def.name}: ${outcome.invalid}`);
    if (outcome.warning !== undefined) warnings.push(`${def.name}: ${outcome.warning}`);
    let value = outcome.value;
    if (value !== null && !Number.isFinite(value)) {
      warnings.push(`${def.name}: computed ${value}, reported as no value`);
      value = null;
    }
    values[def.name] = value;
    if (value !== null && outcome.bound) bounds[def.name] = outcome.bound;
    if (value !== null && outcome.counts !== undefined) counts[def.name] = outcome.counts;
  }
  return { values, counts, invalidReasons, warnings, ...(Object.keys(bounds).length > 0 ? { bounds } : {}) };
}

/**
 * Names of the families a scrape lacks, for a one-time warning before the benchmark starts
 * ("metric rag_early_exit_total not exposed by the candidate").
 */
export function missingFamilies(defs: readonly ServerMetricDefinition[], exposition: Exposition): string[] {
  const missing = new Set<string>();
  for (const def of defs) {
    const isHistogram = def.kind === 'histogram_mean' || def.kind === 'histogram_quantile';
    const metrics = [def.metric, ...(def.denominator ? [def.denominator.metric] : [])];
    for (const metric of metrics) {
      const found = isHistogram
        ? selectHistogramSeries(exposition, metric, undefined)
        : def.kind === 'gauge'
          ? selectGaugeSeries(exposition, metric, undefined)
          : selectCounterSeries(exposition, metric, undefined);
      if (found === undefined) missing.add(metric);
    }
  }
  return [...missing];
}

interface Outcome {
  value: number | null;
  bound?: ValueBound;
  counts?: RoundCount;
  invalid?: string;
  warning?: string;
}

function notExposed(metric: string, where: 'before' | 'after' | 'both'): Outcome {
  const when = where === 'both' ? '' : ` in the scrape ${where} the round`;
  return { value: null, warning: `metric ${metric} not exposed by the server${when}` };
}

function computeOne(
  def: ServerMetricDefinition,
  before: Exposition,
  after: Exposition,
  elapsedSeconds: number,
): Outcome {
  switch (def.kind) {
    case 'histogram_mean':
    case 'histogram_quantile': {
      const delta = histogramRoundDelta(def.metric, def.labels, before, after);
      if ('value' in delta) return delta;
      const histogram = delta.histogram;
      const scale = def.unit === 'ms' && def.metric.endsWith('_seconds') ? 1000 : 1;
      if (histogram.count === 0) return { value: null };
      if (def.kind === 'histogram_mean') {
        if (Number.isNaN(histogram.sum))
          return { value: null, warning: `metric ${def.metric} has no _sum, so no mean` };
        return { value: (histogram.sum / histogram.count) * scale };
      }
      const quantile = histogramQuantile(def.quantile ?? Number.NaN, histogram.buckets);
      if (Number.isNaN(quantile)) {
        return {
          value: null,
          warning: `metric ${def.metric} gave no quantile (no +Inf bucket, or fewer than two buckets)`,
        };
      }
      const bound = histogramQuantileBound(def.quantile ?? Number.NaN, histogram.buckets);
      const scaled = (edge: number | null) => (edge === null ? null : edge * scale);
      return {
        value: quantile * scale,
        ...(bound ? { bound: { lower: scaled(bound.lower), upper: scaled(bound.upper) } } : {}),
      };
    }
    case 'counter_rate': {
      const delta = counterRoundDelta(def.metric, def.labels, before, after);
      if ('value' in delta) return delta;
      return { value: delta.delta / elapsedSeconds };
    }
    case 'counter_ratio': {
      const numerator = counterRoundDelta(def.metric, def.labels, before, after);
      const denominatorDef = def.denominator;
      if (denominatorDef === undefined)
        throw invalidValue(`${def.name}.denominator`, undefined, 'a denominator for kind counter_ratio');
      const denominator = counterRoundDelta(denominatorDef.metric, denominatorDef.labels, before, after);
      if ('value' in numerator) return numerator;
      if ('value' in denominator) return denominator;
      if (denominator.delta === 0) return { value: null };
      return {
        value: numerator.delta / denominator.delta,
        counts: { events: numerator.delta, trials: denominator.delta },
      };
    }
    case 'gauge': {
      const series = selectGaugeSeries(after, def.metric, def.labels);
      if (series === undefined) return notExposed(def.metric, 'both');
      if (series.size === 0) return { value: null, warning: noSeries(def.metric, def.labels) };
      const scale = def.unit === 'ms' && def.metric.endsWith('_seconds') ? 1000 : 1;
      let total = 0;
      for (const value of series.values()) total += value;
      return { value: total * scale };
    }
  }
}

/**
 * A gauge without a matching series has no value. (Counters and histograms without series are fine: a
 * labelled prom-client metric prints no series before its first observation, which means zero.)
 */
function noSeries(metric: string, matchers: LabelMatchers | undefined): string {
  return `metric ${metric} has no series matching ${describeMatchers(matchers)} yet`;
}

function describeMatchers(matchers: LabelMatchers | undefined): string {
  if (matchers === undefined) return '{}';
  return `{${Object.entries(matchers)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}

/** Sum over matching series of each series' own delta, so a reset in one series cannot hide behind another. */
function counterRoundDelta(
  metric: string,
  matchers: LabelMatchers | undefined,
  before: Exposition,
  after: Exposition,
): { delta: number } | Outcome {
  const start = selectCounterSeries(before, metric, matchers);
  const end = selectCounterSeries(after, metric, matchers);
  if (end === undefined) return notExposed(metric, start === undefined ? 'both' : 'after');
  let total = 0;
  for (const [key, value] of end) {
    const delta = counterDelta(start?.get(key), value, `counter ${metric}${keyToLabels(key)}`);
    if (!delta.ok) return { value: null, invalid: delta.reason };
    total += delta.delta;
  }
  for (const key of start?.keys() ?? []) {
    if (!end.has(key))
      return {
        value: null,
        invalid: `counter ${metric}${keyToLabels(key)} disappeared between scrapes (counter reset)`,
      };
  }
  return { delta: total };
}

function histogramRoundDelta(
  metric: string,
  matchers: LabelMatchers | undefined,
  before: Exposition,
  after: Exposition,
): { histogram: HistogramSnapshot } | Outcome {
  const start = selectHistogramSeries(before, metric, matchers);
  const end = selectHistogramSeries(after, metric, matchers);
  if (end === undefined) return notExposed(metric, start === undefined ? 'both' : 'after');
  const deltas: HistogramSnapshot[] = [];
  for (const [key, histogram] of end) {
    const delta = histogramDelta(start?.get(key), histogram, `histogram ${metric}${keyToLabels(key)}`);
    if (!delta.ok) return { value: null, invalid: delta.reason };
    deltas.push(delta.delta);
  }
  for (const key of start?.keys() ?? []) {
    if (!end.has(key))
      return {
        value: null,
        invalid: `histogram ${metric}${keyToLabels(key)} disappeared between scrapes (counter reset)`,
      };
  }
  return { histogram: sumHistograms(deltas) };
}

function keyToLabels(key: string): string {
  const pairs = JSON.parse(key) as Array<[string, string]>;
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}
