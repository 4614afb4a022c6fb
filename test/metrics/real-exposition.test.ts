import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/metrics/parse-exposition.js';
import { selectCounterSeries, selectHistogramSeries, sumHistograms } from '../../src/metrics/select-series.js';

/**
 * Fixtures recorded from real exporters by scripts/reference/prom-client-metrics.ts and
 * scripts/reference/python-client-metrics.py (observations fixed in those scripts).
 */
function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/metrics/${name}`, import.meta.url), 'utf8');
}

function bucketCounts(text: string, metric: string, labels?: Record<string, string>): Array<[number, number]> {
  const series = selectHistogramSeries(parseExposition(text), metric, labels);
  if (series === undefined) throw new Error(`${metric} not found`);
  return sumHistograms(series.values()).buckets.map((b) => [b.upperBound, b.count]);
}

function counterTotal(text: string, metric: string, labels?: Record<string, string>): number | undefined {
  const series = selectCounterSeries(parseExposition(text), metric, labels);
  return series === undefined ? undefined : [...series.values()].reduce((a, b) => a + b, 0);
}

describe.each([
  ['prom-client.prom', 'prometheus-text-0.0.4', 'rag_searches_total'],
  ['prom-client.openmetrics', 'openmetrics-1.0', 'rag_searches'],
])('prom-client fixture %s', (file, format, searchesFamily) => {
  const text = fixture(file);
  const exposition = parseExposition(text);

  it('is read in the right format with the expected families and types', () => {
    expect(exposition.format).toBe(format);
    expect(exposition.families.get('rag_pipeline_duration_seconds')?.type).toBe('histogram');
    expect(exposition.families.get('rag_db_pool_wait_seconds')?.type).toBe('histogram');
    expect(exposition.families.get(searchesFamily)?.type).toBe('counter');
    expect(exposition.families.get('rag_in_flight_requests')?.samples[0]?.value).toBe(3);
    expect(exposition.families.get('rag_response_bytes')?.type).toBe('summary');
    expect(exposition.families.get('process_start_time_seconds')?.type).toBe('gauge');
  });

  it('has one histogram series per step with the observed bucket counts', () => {
    const series = selectHistogramSeries(exposition, 'rag_pipeline_duration_seconds', undefined)!;
    expect(series.size).toBe(4);
    // retrieval observed 0.004, 0.012, 0.018, 0.031, 0.055, 0.26 (see the script).
    expect(bucketCounts(text, 'rag_pipeline_duration_seconds', { step: 'retrieval' })).toEqual([
      [0.0005, 0],
      [0.001, 0],
      [0.0025, 0],
      [0.005, 1],
      [0.01, 1],
      [0.025, 3],
      [0.05, 4],
      [0.1, 5],
      [0.25, 5],
      [0.5, 6],
      [1, 6],
      [2.5, 6],
      [5, 6],
      [Infinity, 6],
    ]);
    const total = sumHistograms(series.values());
    expect(total.count).toBe(5 + 6 + 3 + 7);
    expect(bucketCounts(text, 'rag_db_pool_wait_seconds')).toEqual([
      [0.0001, 1],
      [0.0005, 3],
      [0.001, 3],
      [0.005, 4],
      [0.01, 4],
      [0.05, 5],
      [Infinity, 6],
    ]);
  });

  it('reads counters by either name, and labels with escapes', () => {
    expect(counterTotal(text, 'rag_searches_total')).toBe(21);
    expect(counterTotal(text, 'rag_searches')).toBe(21);
    expect(counterTotal(text, 'rag_early_exit_total')).toBe(8);
    expect(counterTotal(text, 'rag_errors_total', { kind: 'db "timeout"\\path\nsecond line' })).toBe(2);
    expect(counterTotal(text, 'rag_errors_total')).toBe(3);
    // Declared but never incremented: exposed, with no series (zero), not "missing".
    expect(counterTotal(text, 'rag_unused_total')).toBe(0);
    expect(counterTotal(text, 'rag_not_there_total')).toBeUndefined();
  });

  it('keeps the summary quantiles', () => {
    const summary = exposition.families.get('rag_response_bytes')!;
    const quantiles = summary.samples
      .filter((s) => s.name === 'rag_response_bytes')
      .map((s) => [s.labels.quantile, s.value]);
    expect(quantiles).toEqual([
      ['0.5', 550],
      ['0.9', 950],
      ['0.99', 1000],
    ]);
  });
});

describe('prom-client OpenMetrics exemplars', () => {
  it('attaches the trace_id exemplar to the bucket it was observed in', () => {
    const exposition = parseExposition(fixture('prom-client.openmetrics'));
    const samples = exposition.families.get('rag_pipeline_duration_seconds')!.samples;
    const withExemplar = samples.filter((s) => s.exemplar !== undefined);
    expect(withExemplar.length).toBeGreaterThan(5);
    const infTotal = samples.find((s) => s.labels.le === '+Inf' && s.labels.step === 'total')!;
    expect(infTotal.exemplar).toMatchObject({ labels: { trace_id: 'trace-total-6' }, value: 7.5 });
    expect(infTotal.exemplar!.timestampMs).toBeGreaterThan(1.7e12);
  });
});

describe.each([
  ['python-client.prom', 'prometheus-text-0.0.4'],
  ['python-client.openmetrics', 'openmetrics-1.0'],
])('Python prometheus_client fixture %s', (file, format) => {
  const text = fixture(file);
  const exposition = parseExposition(text);

  it('is read in the right format', () => {
    expect(exposition.format).toBe(format);
  });

  it('reads labelled histograms whose le is written "1.0", with observed bucket counts', () => {
    // retrieval observed 0.004, 0.012, 0.3, 2.0 into buckets 0.001, 0.01, 0.1, 1.0.
    expect(bucketCounts(text, 'rag_pipeline_duration_seconds', { step: 'retrieval' })).toEqual([
      [0.001, 0],
      [0.01, 1],
      [0.1, 2],
      [1, 3],
      [Infinity, 4],
    ]);
    const rerank = selectHistogramSeries(exposition, 'rag_pipeline_duration_seconds', { step: 'rerank' })!;
    expect([...rerank.values()][0]).toMatchObject({ count: 2, sum: 0.07 });
  });

  it('reads counters, whichever way the exporter names them, without counting _created', () => {
    expect(counterTotal(text, 'rag_searches_total')).toBe(21);
    expect(counterTotal(text, 'rag_searches')).toBe(21);
    expect(counterTotal(text, 'rag_errors_total', { kind: 'quote " backslash \\ newline \n end' })).toBe(2);
  });

  it('reads the gauge histogram (its _gcount and _gsum may live in separate 0.0.4 families)', () => {
    const queue = selectHistogramSeries(exposition, 'rag_queue_depth', undefined)!;
    expect([...queue.values()][0]).toEqual({
      buckets: [
        { upperBound: 1, count: 4 },
        { upperBound: 5, count: 9 },
        { upperBound: Infinity, count: 10 },
      ],
      count: 10,
      sum: 23,
    });
  });

  it('reads info and enum (stateset) metrics', () => {
    const enumFamily = exposition.families.get('rag_pool_state')!;
    expect(enumFamily.type).toBe(format === 'openmetrics-1.0' ? 'stateset' : 'gauge');
    expect(enumFamily.samples.find((s) => s.labels.rag_pool_state === 'busy')?.value).toBe(1);
    const info = exposition.families.get(format === 'openmetrics-1.0' ? 'rag_build' : 'rag_build_info')!;
    expect({ ...info.samples[0]!.labels }).toEqual({ commit: 'abc123', version: '1.2.3' });
  });
});
