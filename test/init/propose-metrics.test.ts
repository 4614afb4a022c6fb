import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { detectProject } from '../../src/init/detect-project.js';
import { proposeMetrics } from '../../src/init/propose-metrics.js';
import { starterConfig } from '../../src/init/starter-files.js';
import { parseExposition } from '../../src/metrics/parse-exposition.js';

const fixtures = resolve(import.meta.dirname, '../fixtures/metrics');
const exposition = (file: string) => parseExposition(readFileSync(join(fixtures, file), 'utf8'));

/** The config init writes for an empty folder with these findings, through the validator `perf-gate validate` uses. */
function validated(text: string) {
  return parseConfig(text, { source: '/tmp/perf-gate.yml', baseDir: '/tmp', env: {}, overrides: {} });
}

describe('proposeMetrics', () => {
  it("proposes the mean and p95 of the service's histograms and its shares of a whole, never runtime families", () => {
    const proposals = proposeMetrics(exposition('prom-client.prom'));
    expect(proposals.map((p) => [p.definition.name, p.definition.kind, p.definition.unit])).toEqual([
      ['rag_pipeline_duration_mean', 'histogram_mean', 'ms'],
      ['rag_pipeline_duration_p95', 'histogram_quantile', 'ms'],
      ['rag_db_pool_wait_mean', 'histogram_mean', 'ms'],
      ['rag_db_pool_wait_p95', 'histogram_quantile', 'ms'],
      ['rag_early_exit_rate', 'counter_ratio', 'ratio'],
      ['rag_errors_rate', 'counter_ratio', 'ratio'],
      ['rag_unused_rate', 'counter_ratio', 'ratio'],
    ]);
    // nodejs_gc_duration_seconds is a histogram too, of the runtime: left out.
    expect(proposals.some((p) => p.definition.metric.startsWith('nodejs_'))).toBe(false);
    const errors = proposals.find((p) => p.definition.name === 'rag_errors_rate')!;
    expect(errors.definition).toMatchObject({
      metric: 'rag_errors_total',
      denominator: { metric: 'rag_searches_total' },
      direction: 'lower-is-better',
    });
    expect(errors.target).toBe('rag_errors_rate <= 1%');
    expect(proposals.find((p) => p.definition.name === 'rag_early_exit_rate')!.definition.direction).toBe(
      'higher-is-better',
    );
    // The pipeline histogram is split by step: the comment lists the steps to pick from.
    expect(proposals[0]!.comment).toMatch(/split by step: /);
  });

  it('reads the Python client the same way, and the config it leads to is valid with the proposed targets', () => {
    const proposals = proposeMetrics(exposition('python-client.prom'));
    expect(proposals.map((p) => p.definition.name)).toContain('rag_pipeline_duration_mean');
    expect(proposals.map((p) => p.definition.name)).toContain('rag_errors_rate');
    // A summary and gauges are not proposed: neither is an amount of work per round.
    expect(proposals.some((p) => p.definition.metric.startsWith('rag_response_bytes'))).toBe(false);
    expect(proposals.some((p) => p.definition.metric === 'rag_in_flight_requests')).toBe(false);
    const text = starterConfig(detectProject('/nonexistent'), {
      url: 'http://127.0.0.1:8000/metrics',
      metricsPath: '/metrics',
      proposals,
    });
    const config = validated(text);
    expect(config.metrics.map((m) => m.name)).toEqual(proposals.map((p) => p.definition.name));
    expect(config.targets.map((t) => t.expression)).toEqual([
      'latency_p95 worsens <= 5%',
      'error_rate <= 1%',
      'rag_pipeline_duration_mean worsens <= 10%',
      'rag_queue_depth_mean worsens <= 10%',
    ]);
    // The others are there to uncomment, and valid when uncommented.
    const uncommented = validated(text.replace(/^ {2}# - /gm, '  - '));
    expect(uncommented.targets.length).toBe(2 + proposals.length);
  });

  it('a hostile page cannot write config: label values and names stay inside their comment or quotes', () => {
    const page = [
      '# TYPE app_latency_seconds histogram',
      'app_latency_seconds_bucket{route="a\\ntargets: [error_rate <= 100%]",le="0.1"} 1',
      'app_latency_seconds_bucket{route="a\\ntargets: [error_rate <= 100%]",le="+Inf"} 1',
      'app_latency_seconds_bucket{route="b",le="0.1"} 1',
      'app_latency_seconds_bucket{route="b",le="+Inf"} 1',
      'app_latency_seconds_sum{route="b"} 0.05',
      'app_latency_seconds_count{route="b"} 1',
      '',
    ].join('\n');
    const proposals = proposeMetrics(parseExposition(page));
    const text = starterConfig(detectProject('/nonexistent'), {
      url: 'http://x/metrics',
      metricsPath: '/metrics',
      proposals,
    });
    const config = validated(text);
    expect(config.targets.map((t) => t.expression)).toEqual([
      'latency_p95 worsens <= 5%',
      'error_rate <= 1%',
      'app_latency_mean worsens <= 10%',
    ]);
    expect(text).not.toMatch(/^targets: \[/m);
  });

  it('proposes nothing from a page of runtime metrics only, and says so in the config', () => {
    const proposals = proposeMetrics(
      parseExposition('# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1\n'),
    );
    expect(proposals).toEqual([]);
    const text = starterConfig(detectProject('/nonexistent'), {
      url: 'http://x/metrics',
      metricsPath: '/metrics',
      proposals,
    });
    expect(text).toContain("exposed no histogram or counter pair of the service's own");
    expect(validated(text).metrics).toEqual([]);
  });
});
