/**
 * The Grafana dashboard generated from a config: its structure (snapshot), the PromQL of each panel,
 * and, with promtool, that the PromQL parses and evaluates to the same numbers perf-gate computes from
 * two scrapes of the same counters.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { dashboardUid, grafanaDashboard, metricQuery, selector } from '../../src/dashboard/grafana.js';
import { computeServerMetrics } from '../../src/metrics/compute-server-metrics.js';
import { parseExposition } from '../../src/metrics/parse-exposition.js';
import type { ServerMetricDefinition } from '../../src/metrics/server-metric-definition.js';
import { requireService } from '../helpers/services.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const config = loadConfig({ packageRoot: REPO_ROOT, env: {} });

interface PanelJson {
  id: number;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig: { defaults: { unit: string; thresholds: { steps: { color: string; value: number | null }[] } } };
  targets: { expr: string; legendFormat: string }[];
}
const dashboard = grafanaDashboard(config);
const panels = dashboard.panels as PanelJson[];
const exprOf = (title: string): string => panels.find((p) => p.title === title)!.targets[0]!.expr;

describe('grafanaDashboard on the embedded default', () => {
  it('matches the committed snapshot', () => {
    expect(dashboard).toMatchSnapshot();
  });

  it('is a dashboard Grafana imports: schemaVersion, a Prometheus datasource variable, stable uid', () => {
    expect(dashboard.schemaVersion).toBe(39);
    const variables = (dashboard.templating as { list: { type: string; name: string; query: string }[] }).list;
    expect(variables).toContainEqual(
      expect.objectContaining({ type: 'datasource', name: 'datasource', query: 'prometheus' }),
    );
    expect(dashboard.uid).toBe('perf-gate-perf-gate');
    expect(String(dashboard.uid).length).toBeLessThanOrEqual(40);
  });

  it('has one panel per server metric, then the pipeline split by step', () => {
    expect(panels.map((p) => p.title)).toEqual([
      'pipeline_time',
      'db_query_time',
      'early_exit_rate',
      'pool_wait_p95',
      'rag_pipeline_duration_seconds by step',
    ]);
  });

  it('with variants: each metric per variant and their ratio, the matchers on every selector', () => {
    const withVariants = grafanaDashboard(config, {
      variants: { canary: ['version="canary"'], stable: ['version="stable"'] },
    }).panels as PanelJson[];
    const titles = withVariants.map((p) => p.title);
    expect(titles.slice(0, panels.length)).toEqual(panels.map((p) => p.title));
    expect(titles.slice(panels.length, panels.length + 2)).toEqual([
      'pipeline_time: canary vs stable',
      'pipeline_time: canary / stable',
    ]);
    const pair = withVariants.find((p) => p.title === 'pipeline_time: canary vs stable')!;
    expect(pair.targets.map((t) => t.legendFormat)).toEqual(['canary', 'stable']);
    expect(pair.targets[0]!.expr).toBe(
      metricQuery(config.metrics[0]!, '$__rate_interval', undefined, ['version="canary"']),
    );
    const ratio = withVariants.find((p) => p.title === 'pipeline_time: canary / stable')!;
    expect(ratio.targets[0]!.expr).toBe(`(${pair.targets[0]!.expr}) / (${pair.targets[1]!.expr})`);
    // Both sums of a ratio metric carry the matchers.
    const exits = withVariants.find((p) => p.title === 'early_exit_rate: canary vs stable')!.targets[0]!.expr;
    expect(exits.match(/version="canary"/g)).toHaveLength(2);
  });

  it('writes the PromQL that matches how perf-gate computes each metric', () => {
    expect(exprOf('pipeline_time')).toBe(
      '1000 * (sum (rate(rag_pipeline_duration_seconds_sum{step="total"}[$__rate_interval])) / sum (rate(rag_pipeline_duration_seconds_count{step="total"}[$__rate_interval])))',
    );
    expect(exprOf('db_query_time')).toBe(
      '1000 * (sum (rate(rag_db_query_duration_seconds_sum[$__rate_interval])) / sum (rate(rag_db_query_duration_seconds_count[$__rate_interval])))',
    );
    expect(exprOf('early_exit_rate')).toBe(
      'sum (rate(rag_early_exit_total[$__rate_interval])) / sum (rate(rag_searches_total[$__rate_interval]))',
    );
    expect(exprOf('pool_wait_p95')).toBe(
      '1000 * (histogram_quantile(0.95, sum by (le) (rate(rag_db_pool_wait_seconds_bucket[$__rate_interval]))))',
    );
    expect(exprOf('rag_pipeline_duration_seconds by step')).toBe(
      '1000 * (sum by (step) (rate(rag_pipeline_duration_seconds_sum[$__rate_interval])) / sum by (step) (rate(rag_pipeline_duration_seconds_count[$__rate_interval])))',
    );
    expect(panels.at(-1)!.targets[0]!.legendFormat).toBe('{{step}}');
  });

  it('uses Grafana units and draws the absolute targets as thresholds', () => {
    const byTitle = (t: string) => panels.find((p) => p.title === t)!.fieldConfig.defaults;
    expect(byTitle('pipeline_time').unit).toBe('ms');
    expect(byTitle('early_exit_rate').unit).toBe('percentunit');
    // "pool_wait_p95 < 10ms": red from 10 up.
    expect(byTitle('pool_wait_p95').thresholds.steps).toEqual([
      { color: 'green', value: null },
      { color: 'red', value: 10 },
    ]);
    // "early_exit_rate >= 30%": red below 0.3.
    expect(byTitle('early_exit_rate').thresholds.steps).toEqual([
      { color: 'red', value: null },
      { color: 'green', value: 0.3 },
    ]);
  });

  it('lays the panels out two per row without overlap', () => {
    const cells = panels.map((p) => `${p.gridPos.x},${p.gridPos.y}`);
    expect(new Set(cells).size).toBe(panels.length);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
  });
});

describe('PromQL building blocks', () => {
  it('escapes label values and sorts matchers', () => {
    expect(selector('m', { z: 'a"b', a: 'c\\d\ne' })).toBe('m{a="c\\\\d\\ne",z="a\\"b"}');
    expect(selector('m', {})).toBe('m');
  });

  it('counter rate, gauge and counters named without _total', () => {
    const rate: ServerMetricDefinition = {
      name: 'r',
      kind: 'counter_rate',
      metric: 'http_requests',
      labels: { code: '200' },
      unit: 'req/s',
      direction: 'higher-is-better',
    };
    expect(metricQuery(rate, '1m')).toBe('sum (rate(http_requests_total{code="200"}[1m]))');
    const gauge: ServerMetricDefinition = {
      name: 'g',
      kind: 'gauge',
      metric: 'pool_idle',
      unit: 'count',
      direction: 'higher-is-better',
    };
    expect(metricQuery(gauge)).toBe('sum (pool_idle)');
    const latency: ServerMetricDefinition = {
      name: 'l',
      kind: 'gauge',
      metric: 'lag_seconds',
      unit: 'ms',
      direction: 'lower-is-better',
    };
    expect(metricQuery(latency)).toBe('1000 * (sum (lag_seconds))');
  });

  it('a uid is derived from the title and stays within Grafana limits', () => {
    expect(dashboardUid('My RAG API — performance!')).toBe('perf-gate-my-rag-api-performance');
    expect(dashboardUid('x'.repeat(100)).length).toBeLessThanOrEqual(40);
  });
});

/**
 * promtool (Prometheus' own parser and evaluator) checks the expressions. It is not a service the gate
 * needs at run time; .ci/run installs it (Debian's prometheus package), so under CI=true a missing promtool
 * fails these tests, and elsewhere they skip with the reason.
 */
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const promtoolMissing = promtool.error
  ? `promtool not runnable (${promtool.error.message}); install the prometheus package to run this check`
  : undefined;

describe('PromQL checked by promtool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-gate-promql-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const FIVE_MINUTES = '5m';

  const queries = grafanaDashboard(config, { rateInterval: FIVE_MINUTES }).panels as PanelJson[];
  // Every panel's every query for the promtool check, the canary-vs-stable ones included.
  const checked = (
    grafanaDashboard(config, {
      rateInterval: FIVE_MINUTES,
      variants: { canary: ['version="canary"'], stable: ['version="stable"'] },
    }).panels as PanelJson[]
  ).flatMap((p) => p.targets);
  const rules = {
    groups: [
      {
        name: 'perf-gate-dashboard',
        rules: checked.map((q, i) => ({ record: `perf_gate:panel_${i + 1}`, expr: q.expr })),
      },
    ],
  };

  function promtoolRun(args: string[]): { status: number | null; output: string } {
    const result = spawnSync('promtool', args, { encoding: 'utf8', cwd: dir });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  it('parses every panel expression (promtool check rules)', (ctx) => {
    if (!requireService('promtool', { available: !promtoolMissing, reason: promtoolMissing ?? '' }))
      return ctx.skip(promtoolMissing);
    writeFileSync(join(dir, 'rules.yml'), stringify(rules));
    const result = promtoolRun(['check', 'rules', 'rules.yml']);
    expect(result.output).toContain(`SUCCESS: ${checked.length} rules found`);
    expect(result.status).toBe(0);
  });

  it('rejects a broken expression (so the check above can fail)', (ctx) => {
    if (!requireService('promtool', { available: !promtoolMissing, reason: promtoolMissing ?? '' }))
      return ctx.skip(promtoolMissing);
    writeFileSync(
      join(dir, 'broken.yml'),
      stringify({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum (rate(foo[$__rate_interval]))' }] }] }),
    );
    expect(promtoolRun(['check', 'rules', 'broken.yml']).status).not.toBe(0);
  });

  it('evaluates to the values perf-gate computes from two scrapes of the same counters (promtool test rules)', (ctx) => {
    if (!requireService('promtool', { available: !promtoolMissing, reason: promtoolMissing ?? '' }))
      return ctx.skip(promtoolMissing);
    // Counters growing linearly, per minute; scraped at minute 5 and minute 10 by perf-gate, evaluated
    // by Prometheus at minute 10 over [5m]. Linear growth makes rate() exact, so the ratios must agree.
    const series: { name: string; labels: Record<string, string>; perMinute: number }[] = [];
    const histogram = (
      name: string,
      labels: Record<string, string>,
      buckets: [string, number][],
      sumPerMinute: number,
    ): void => {
      for (const [le, perMinute] of buckets)
        series.push({ name: `${name}_bucket`, labels: { ...labels, le }, perMinute });
      series.push({ name: `${name}_sum`, labels, perMinute: sumPerMinute });
      series.push({ name: `${name}_count`, labels, perMinute: buckets.at(-1)![1] });
    };
    histogram(
      'rag_pipeline_duration_seconds',
      { step: 'total' },
      [
        ['0.01', 30],
        ['0.05', 90],
        ['+Inf', 120],
      ],
      2.4,
    );
    histogram(
      'rag_pipeline_duration_seconds',
      { step: 'rerank' },
      [
        ['0.01', 60],
        ['0.05', 110],
        ['+Inf', 120],
      ],
      1.1,
    );
    histogram(
      'rag_db_query_duration_seconds',
      {},
      [
        ['0.005', 200],
        ['0.02', 330],
        ['+Inf', 360],
      ],
      2.7,
    );
    histogram(
      'rag_db_pool_wait_seconds',
      {},
      [
        ['0.001', 300],
        ['0.005', 340],
        ['0.01', 355],
        ['+Inf', 360],
      ],
      0.4,
    );
    series.push({ name: 'rag_early_exit_total', labels: {}, perMinute: 47 });
    series.push({ name: 'rag_searches_total', labels: {}, perMinute: 120 });

    const exposition = (minute: number): string => {
      const families = new Map<string, string[]>();
      for (const s of series) {
        const family = s.name.replace(/_(bucket|sum|count)$/, '');
        const lines = families.get(family) ?? [];
        lines.push(`${selector(s.name, s.labels)} ${s.perMinute * minute}`);
        families.set(family, lines);
      }
      return `${[...families]
        .map(
          ([family, lines]) =>
            `# TYPE ${family} ${family.endsWith('_total') ? 'counter' : 'histogram'}\n${lines.join('\n')}`,
        )
        .join('\n')}\n`;
    };
    const rerank = { ...config.metrics[0]!, name: 'rerank_time', labels: { step: 'rerank' } };
    const computed = computeServerMetrics(
      [...config.metrics, rerank],
      parseExposition(exposition(5)),
      parseExposition(exposition(10)),
      300,
    );
    expect(computed.invalidReasons).toEqual([]);
    const expected = computed.values;

    // Prometheus sums in another order than perf-gate, so the last bits differ: compare within 1e-9
    // relative inside PromQL (`<= bool` yields 1 or 0 per series) instead of exact sample values.
    const within = (expr: string, value: number) => `abs((${expr}) - ${value}) <= bool ${1e-9 * Math.abs(value)}`;
    const stepExpr = queries.at(-1)!.targets[0]!.expr;
    const tests = {
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: series.map((s) => ({ series: selector(s.name, s.labels), values: `0+${s.perMinute}x10` })),
          promql_expr_test: [
            ...config.metrics.map((m, i) => ({
              expr: within(queries[i]!.targets[0]!.expr, expected[m.name]!),
              eval_time: '10m',
              exp_samples: [{ labels: '{}', value: 1 }],
            })),
            {
              expr: within(stepExpr, expected.rerank_time!),
              eval_time: '10m',
              exp_samples: [
                { labels: '{step="rerank"}', value: 1 },
                { labels: '{step="total"}', value: 0 },
              ],
            },
            {
              expr: within(stepExpr, expected.pipeline_time!),
              eval_time: '10m',
              exp_samples: [
                { labels: '{step="rerank"}', value: 0 },
                { labels: '{step="total"}', value: 1 },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'tests.yml'), stringify(tests));
    const result = promtoolRun(['test', 'rules', 'tests.yml']);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
