/**
 * A Grafana dashboard for the server metrics a config defines, so the numbers perf-gate gates on in a
 * pull request can be watched on the running service with the same definitions. Pure: a function of
 * the config, no clock, no I/O; the caller writes the JSON wherever it wants (Grafana: Dashboards >
 * Import, or a provisioning folder).
 *
 * The PromQL mirrors what src/metrics computes from two scrapes of one round: a histogram mean is
 * increase(_sum) / increase(_count), a counter ratio is increase(numerator) / increase(denominator),
 * a quantile is interpolated from the cumulative buckets. Over a dashboard's time window rate() stands
 * in for increase(): the ratios are the same, since both divide by the same interval.
 */
import type { Comparator, Target } from '../gate/target.js';
import type { ServerMetricDefinition } from '../metrics/server-metric-definition.js';

export interface DashboardInput {
  metrics: readonly ServerMetricDefinition[];
  /** Absolute targets on a server metric become threshold lines on its panel. */
  targets?: readonly Target[];
  report?: { title: string };
}

export interface DashboardOptions {
  /** Dashboard title; default: the report title, else "perf-gate". */
  title?: string;
  /** Grafana uid (at most 40 of [A-Za-z0-9_-]); default: derived from the title. */
  uid?: string;
  /** Range of rate(); default Grafana's `$__rate_interval` (docs: grafana.com/docs/grafana/latest/datasources/prometheus/template-variables/). */
  rateInterval?: string;
  /**
   * Canary-vs-stable panels, as `perf-gate verify` compares them: each variant's label matchers as PromQL
   * (`version="canary"`), validated by the caller (src/verify/label-matcher.ts). Absent: none.
   */
  variants?: { canary: readonly string[]; stable: readonly string[] };
}

/** The label pipeline-step histograms are split by (rag_pipeline_duration_seconds{step="rerank"}). */
export const STEP_LABEL = 'step';

/** Dashboard JSON model version this output follows (Grafana 10.4 / 11 write 39). */
export const SCHEMA_VERSION = 39;

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

/** Grafana's unit ids (grafana/packages/grafana-data/src/valueFormats/categories.ts). */
const GRAFANA_UNIT: Record<ServerMetricDefinition['unit'], string> = {
  ms: 'ms',
  ratio: 'percentunit',
  'req/s': 'reqps',
  count: 'short',
};

export interface PanelQuery {
  expr: string;
  legendFormat: string;
}

export function grafanaDashboard(input: DashboardInput, options: DashboardOptions = {}): Record<string, unknown> {
  const title = options.title ?? input.report?.title ?? 'perf-gate';
  const interval = options.rateInterval ?? '$__rate_interval';
  const panels: Record<string, unknown>[] = [];
  const place = (panel: Omit<Panel, 'id' | 'gridPos'>): void => {
    const index = panels.length;
    panels.push({
      id: index + 1,
      gridPos: {
        h: PANEL_HEIGHT,
        w: PANEL_WIDTH,
        x: (index % 2) * PANEL_WIDTH,
        y: Math.floor(index / 2) * PANEL_HEIGHT,
      },
      ...panel,
    });
  };

  for (const metric of input.metrics) {
    const targets = (input.targets ?? []).filter(
      (t): t is Extract<Target, { kind: 'absolute' }> => t.kind === 'absolute' && t.metric === metric.name,
    );
    place(
      timeseriesPanel({
        title: metric.name,
        description: [
          metric.description ?? `${metric.kind} of ${metric.metric}`,
          ...targets.map((t) => `target: ${t.expression}`),
        ].join('\n'),
        unit: GRAFANA_UNIT[metric.unit],
        queries: [{ expr: metricQuery(metric, interval), legendFormat: metric.name }],
        thresholds: targets.map((t) => ({ comparator: t.comparator, value: t.threshold })),
      }),
    );
  }

  // One panel per family split by pipeline step, even when several metrics select steps of it.
  const stepFamilies = new Set<string>();
  for (const metric of input.metrics) {
    if (!metric.labels || !(STEP_LABEL in metric.labels)) continue;
    const key = `${metric.kind}|${metric.metric}|${metric.quantile ?? ''}`;
    if (stepFamilies.has(key)) continue;
    stepFamilies.add(key);
    place(
      timeseriesPanel({
        title: `${metric.metric} by ${STEP_LABEL}`,
        description: `${metric.name} split by the '${STEP_LABEL}' label, to see which step of the pipeline the time goes to.`,
        unit: GRAFANA_UNIT[metric.unit],
        queries: [{ expr: metricQuery(metric, interval, STEP_LABEL), legendFormat: `{{${STEP_LABEL}}}` }],
        thresholds: [],
      }),
    );
  }

  // Canary vs stable: each metric per variant, and their ratio, the figure verify judges per bucket.
  if (options.variants) {
    const { canary, stable } = options.variants;
    for (const metric of input.metrics) {
      const canaryQuery = metricQuery(metric, interval, undefined, canary);
      const stableQuery = metricQuery(metric, interval, undefined, stable);
      place(
        timeseriesPanel({
          title: `${metric.name}: canary vs stable`,
          description: `${metric.name} for each variant (canary: ${canary.join(', ')}; stable: ${stable.join(', ')}).`,
          unit: GRAFANA_UNIT[metric.unit],
          queries: [
            { expr: canaryQuery, legendFormat: 'canary' },
            { expr: stableQuery, legendFormat: 'stable' },
          ],
          thresholds: [],
        }),
      );
      place(
        timeseriesPanel({
          title: `${metric.name}: canary / stable`,
          description: `The ratio perf-gate verify judges per bucket for ${metric.name}: above 1, the canary is higher.`,
          unit: 'none',
          queries: [{ expr: `(${canaryQuery}) / (${stableQuery})`, legendFormat: 'canary / stable' }],
          thresholds: [],
          minimum: null,
        }),
      );
    }
  }

  return {
    title,
    uid: options.uid ?? dashboardUid(title),
    description:
      'Server metrics defined in perf-gate.yml, with the PromQL that matches how perf-gate computes them per round.',
    tags: ['perf-gate'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    templating: {
      list: [
        {
          type: 'datasource',
          name: 'datasource',
          label: 'Prometheus',
          query: 'prometheus',
          hide: 0,
          refresh: 1,
          regex: '',
          current: {},
          options: [],
        },
      ],
    },
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    panels,
  };
}

/**
 * The PromQL for one server metric. With `byLabel`, the series are kept apart by that label (and its
 * own equality matcher is dropped), for the per-step panels. `extraMatchers` are label matchers
 * already written as PromQL (`version="canary"`), added to every selector of the query, numerator and
 * denominator alike; the caller validates them (src/verify/label-matcher.ts), this function only places them.
 */
export function metricQuery(
  metric: ServerMetricDefinition,
  rateInterval = '$__rate_interval',
  byLabel?: string,
  extraMatchers: readonly string[] = [],
): string {
  const labels = { ...(metric.labels ?? {}) };
  if (byLabel) delete labels[byLabel];
  const by = (extra: string[] = []): string => {
    const keys = [...extra, ...(byLabel ? [byLabel] : [])];
    return keys.length > 0 ? ` by (${keys.join(', ')})` : '';
  };
  const rate = (name: string, matchers: Record<string, string> | undefined, extra?: string[]): string =>
    `sum${by(extra)} (rate(${selector(name, matchers, extraMatchers)}[${rateInterval}]))`;
  // Same rule as src/metrics/compute-server-metrics.ts: *_seconds shown in ms when the unit is ms.
  const scaled = (expr: string): string =>
    metric.unit === 'ms' && metric.metric.endsWith('_seconds') ? `1000 * (${expr})` : expr;

  switch (metric.kind) {
    case 'histogram_mean':
      return scaled(`${rate(`${metric.metric}_sum`, labels)} / ${rate(`${metric.metric}_count`, labels)}`);
    case 'histogram_quantile':
      return scaled(
        `histogram_quantile(${formatNumber(metric.quantile ?? 0.5)}, ${rate(`${metric.metric}_bucket`, labels, ['le'])})`,
      );
    case 'counter_ratio': {
      const denominator = metric.denominator!;
      return `${rate(counterSeries(metric.metric), labels)} / ${rate(counterSeries(denominator.metric), denominator.labels)}`;
    }
    case 'counter_rate':
      return rate(counterSeries(metric.metric), labels);
    case 'gauge':
      return scaled(`sum${by()} (${selector(metric.metric, labels, extraMatchers)})`);
  }
}

/**
 * Counter samples are named `<family>_total` (OpenMetrics 1.0, "Counter"; prometheus_client and
 * prom-client both expose them so), while perf-gate lets the config name the family either way.
 */
function counterSeries(metric: string): string {
  return metric.endsWith('_total') ? metric : `${metric}_total`;
}

/**
 * `name{a="x",b="y"}` with labels sorted, values escaped as PromQL double-quoted strings, then any
 * `extraMatchers` (PromQL matchers the caller has validated) in the order given.
 */
export function selector(
  name: string,
  labels: Record<string, string> | undefined,
  extraMatchers: readonly string[] = [],
): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const matchers = [...entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`), ...extraMatchers];
  if (matchers.length === 0) return name;
  return `${name}{${matchers.join(',')}}`;
}

/** PromQL string literals follow Go's escaping (prometheus.io/docs/prometheus/latest/querying/basics/#string-literals). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

/** A stable uid from the title: importing the dashboard again replaces it instead of adding a copy. */
export function dashboardUid(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `perf-gate-${slug || 'dashboard'}`.slice(0, 40).replace(/-+$/, '');
}

interface Panel {
  id: number;
  gridPos: { h: number; w: number; x: number; y: number };
  [key: string]: unknown;
}

function timeseriesPanel(spec: {
  title: string;
  description: string;
  unit: string;
  queries: PanelQuery[];
  thresholds: { comparator: Comparator; value: number }[];
  /** The y axis's floor; default 0, null for a ratio around 1. */
  minimum?: number | null;
}): Omit<Panel, 'id' | 'gridPos'> {
  // A "< 10ms" target: green below the line, red from it up; a ">= 30%" target the other way round.
  const steps: { color: string; value: number | null }[] = [];
  const upper = spec.thresholds.filter((t) => t.comparator === '<' || t.comparator === '<=').map((t) => t.value);
  const lower = spec.thresholds.filter((t) => t.comparator === '>' || t.comparator === '>=').map((t) => t.value);
  if (lower.length > 0) {
    steps.push({ color: 'red', value: null }, { color: 'green', value: Math.max(...lower) });
  } else {
    steps.push({ color: 'green', value: null });
  }
  if (upper.length > 0) steps.push({ color: 'red', value: Math.min(...upper) });
  const hasTarget = spec.thresholds.length > 0;
  return {
    type: 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        ...(spec.minimum === null ? {} : { min: spec.minimum ?? 0 }),
        color: { mode: 'palette-classic' },
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          thresholdsStyle: { mode: hasTarget ? 'line' : 'off' },
        },
        thresholds: { mode: 'absolute', steps },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets: spec.queries.map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: q.expr,
      legendFormat: q.legendFormat,
      range: true,
    })),
  };
}
