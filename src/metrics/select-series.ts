import type { Exposition, Labels, MetricFamily, Sample } from './exposition.js';
import type { Bucket } from './histogram-quantile.js';
import { parsePrometheusNumber } from './prometheus-number.js';

/**
 * Picking the series a server metric definition talks about out of one scrape, per series, so that the
 * delta stage can spot a reset in any one series (a sum over series can hide a reset behind growth).
 */

/** Equality matchers, as in PromQL `{step="total"}`; an empty value matches a missing label (PromQL semantics). */
export type LabelMatchers = Readonly<Record<string, string>>;

export function matchesLabels(labels: Labels, matchers: LabelMatchers | undefined): boolean {
  if (matchers === undefined) return true;
  for (const [name, wanted] of Object.entries(matchers)) {
    const actual = Object.hasOwn(labels, name) ? labels[name]! : '';
    if (actual !== wanted) return false;
  }
  return true;
}

/** A stable key for a label set, leaving out the labels that index parts of one series (le, quantile). */
export function seriesKey(labels: Labels, omit: readonly string[] = []): string {
  const names = Object.keys(labels)
    .filter((name) => !omit.includes(name))
    .sort();
  return JSON.stringify(names.map((name) => [name, labels[name]]));
}

/**
 * The family a definition names. Counters are named both ways in the wild: 0.0.4 exporters declare
 * `# TYPE foo_total counter`, OpenMetrics ones `# TYPE foo counter` with samples `foo_total`; a user may
 * write either, so both are tried.
 */
export function findFamily(exposition: Exposition, metric: string): MetricFamily | undefined {
  const exact = exposition.families.get(metric);
  if (exact !== undefined) return exact;
  if (metric.endsWith('_total')) return exposition.families.get(metric.slice(0, -'_total'.length));
  return exposition.families.get(`${metric}_total`);
}

/**
 * Samples with one of `names`, from any family: exporters split one metric over several families
 * (Python's client writes a gauge histogram's `_gcount` as a gauge family of its own in the 0.0.4 format).
 */
function samplesNamed(exposition: Exposition, names: ReadonlySet<string>): Sample[] {
  const out: Sample[] = [];
  for (const candidate of exposition.families.values()) {
    for (const sample of candidate.samples) if (names.has(sample.name)) out.push(sample);
  }
  return out;
}

/** Counter value per series; undefined when the metric is not exposed at all (no family, no samples). */
export function selectCounterSeries(
  exposition: Exposition,
  metric: string,
  matchers: LabelMatchers | undefined,
): Map<string, number> | undefined {
  const family = findFamily(exposition, metric);
  const names = new Set([metric, metric.endsWith('_total') ? metric : `${metric}_total`]);
  if (family !== undefined) {
    names.add(family.name);
    names.add(`${family.name}_total`);
  }
  // Without a family of that name the samples may still be part of another one (`foo_count` of a histogram).
  const samples = samplesNamed(exposition, names);
  if (family === undefined && samples.length === 0) return undefined;
  return sumBySeries(samples, matchers);
}

/** Gauge value per series; undefined when the metric is not exposed. */
export function selectGaugeSeries(
  exposition: Exposition,
  metric: string,
  matchers: LabelMatchers | undefined,
): Map<string, number> | undefined {
  const family = exposition.families.get(metric);
  const samples = samplesNamed(exposition, new Set([metric]));
  if (family === undefined && samples.length === 0) return undefined;
  return sumBySeries(samples, matchers);
}

function sumBySeries(samples: Sample[], matchers: LabelMatchers | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const sample of samples) {
    if (!matchesLabels(sample.labels, matchers)) continue;
    const key = seriesKey(sample.labels);
    out.set(key, (out.get(key) ?? 0) + sample.value);
  }
  return out;
}

/** One histogram series (or the sum of several): cumulative buckets, observation count and sum. */
export interface HistogramSnapshot {
  buckets: Bucket[];
  count: number;
  /** NaN when the exporter gave no `_sum`. */
  sum: number;
}

/** Histogram per series (labels without `le`); undefined when the metric is not exposed. */
export function selectHistogramSeries(
  exposition: Exposition,
  metric: string,
  matchers: LabelMatchers | undefined,
): Map<string, HistogramSnapshot> | undefined {
  const family = exposition.families.get(metric);
  const bucketName = `${metric}_bucket`;
  const countNames = new Set([`${metric}_count`, `${metric}_gcount`]);
  const sumNames = new Set([`${metric}_sum`, `${metric}_gsum`]);
  const samples = samplesNamed(exposition, new Set([bucketName, ...countNames, ...sumNames]));
  if (family === undefined && samples.length === 0) return undefined;

  interface Accumulator {
    buckets: Map<number, number>;
    count?: number;
    sum?: number;
  }
  const series = new Map<string, Accumulator>();
  for (const sample of samples) {
    if (!matchesLabels(sample.labels, matchers)) continue;
    const key = seriesKey(sample.labels, ['le']);
    let acc = series.get(key);
    if (acc === undefined) {
      acc = { buckets: new Map() };
      series.set(key, acc);
    }
    if (sample.name === bucketName) {
      const bound = parsePrometheusNumber(sample.labels.le ?? '');
      if (bound === undefined || Number.isNaN(bound)) continue;
      // le="1" and le="1.0" are one bucket, as in Prometheus (it coalesces equal bounds).
      acc.buckets.set(bound, (acc.buckets.get(bound) ?? 0) + sample.value);
    } else if (countNames.has(sample.name)) {
      acc.count = (acc.count ?? 0) + sample.value;
    } else {
      acc.sum = (acc.sum ?? 0) + sample.value;
    }
  }
  const out = new Map<string, HistogramSnapshot>();
  for (const [key, acc] of series) {
    const buckets = [...acc.buckets.entries()]
      .map(([upperBound, count]) => ({ upperBound, count }))
      .sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
    const infBucket = acc.buckets.get(Number.POSITIVE_INFINITY);
    out.set(key, { buckets, count: acc.count ?? infBucket ?? 0, sum: acc.sum ?? Number.NaN });
  }
  return out;
}

/** Sums histograms bucket by bucket (by numeric bound), as `sum by (le)` would. */
export function sumHistograms(histograms: Iterable<HistogramSnapshot>): HistogramSnapshot {
  const buckets = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const histogram of histograms) {
    for (const bucket of histogram.buckets)
      buckets.set(bucket.upperBound, (buckets.get(bucket.upperBound) ?? 0) + bucket.count);
    count += histogram.count;
    sum += histogram.sum;
  }
  return {
    buckets: [...buckets.entries()]
      .map(([upperBound, c]) => ({ upperBound, count: c }))
      .sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0)),
    count,
    sum,
  };
}
