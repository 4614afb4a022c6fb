import { invalidValue } from '../errors.js';
import { CLIENT_METRICS, type MetricDirection, type MetricUnit } from '../load/round-record.js';

/**
 * A server-side metric perf-gate computes per round from two /metrics scrapes (before and after the round).
 * The config's `metrics` list holds these; the benchmark loop receives them through injection.
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

const KINDS: readonly ServerMetricKind[] = ['histogram_mean', 'histogram_quantile', 'counter_ratio', 'counter_rate', 'gauge'];
const UNITS: readonly MetricUnit[] = ['ms', 'ratio', 'req/s', 'count'];
const DIRECTIONS: readonly MetricDirection[] = ['lower-is-better', 'higher-is-better'];
/** The units that make sense for each kind: a ratio of counters is a ratio, a rate is per second, etc. */
const UNITS_BY_KIND: Readonly<Record<ServerMetricKind, readonly MetricUnit[]>> = {
  histogram_mean: ['ms', 'count', 'ratio'],
  histogram_quantile: ['ms', 'count', 'ratio'],
  counter_ratio: ['ratio'],
  counter_rate: ['req/s'],
  gauge: ['ms', 'count', 'ratio', 'req/s'],
};
/** Prometheus data model: https://prometheus.io/docs/concepts/data_model/ */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** perf-gate metric names appear in target expressions ("pipeline_time improves >= 20%"): keep them plain. */
const PERF_GATE_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;

/**
 * Checks definitions as they come from the config file (so anything may be in them) and throws an
 * InputError naming the offending key, what was given and what is allowed. `key` is the config path of
 * the list, used as the prefix in messages: "metrics[2].quantile: got 1.5; expected a number from 0 to 1".
 */
export function validateDefinitions(defs: unknown, key = 'metrics'): ServerMetricDefinition[] {
  if (!Array.isArray(defs)) throw invalidValue(key, defs, 'a list of server metric definitions');
  const seen = new Set<string>();
  const clientNames = new Set(CLIENT_METRICS.map((m) => m.name));
  return defs.map((def: unknown, index) => {
    const at = `${key}[${index}]`;
    if (typeof def !== 'object' || def === null || Array.isArray(def)) throw invalidValue(at, def, 'a mapping with name, kind, metric, unit, direction');
    const d = def as Record<string, unknown>;
    const allowedKeys = new Set(['name', 'description', 'kind', 'metric', 'labels', 'quantile', 'denominator', 'unit', 'direction']);
    for (const k of Object.keys(d)) {
      if (!allowedKeys.has(k)) throw invalidValue(`${at}.${k}`, d[k], `no such key; allowed keys: ${[...allowedKeys].join(', ')}`);
    }
    if (typeof d.name !== 'string' || !PERF_GATE_NAME.test(d.name)) {
      throw invalidValue(`${at}.name`, d.name, 'a name of letters, digits and underscores starting with a letter');
    }
    const name = d.name;
    if (clientNames.has(name)) throw invalidValue(`${at}.name`, name, `a name not used by a client metric (${[...clientNames].join(', ')})`);
    if (seen.has(name)) throw invalidValue(`${at}.name`, name, 'a name not used by another server metric');
    seen.add(name);
    if (d.description !== undefined && typeof d.description !== 'string') throw invalidValue(`${at}.description`, d.description, 'text');
    if (typeof d.kind !== 'string' || !(KINDS as readonly string[]).includes(d.kind)) throw invalidValue(`${at}.kind`, d.kind, `one of ${KINDS.join(', ')}`);
    const kind = d.kind as ServerMetricKind;
    if (typeof d.metric !== 'string' || !METRIC_NAME.test(d.metric)) throw invalidValue(`${at}.metric`, d.metric, 'a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
    const labels = validateLabels(d.labels, `${at}.labels`, kind);
    if (kind === 'histogram_quantile') {
      if (typeof d.quantile !== 'number' || !(d.quantile >= 0 && d.quantile <= 1)) {
        throw invalidValue(`${at}.quantile`, d.quantile, 'a number from 0 to 1 (0.95 for the 95th percentile)');
      }
    } else if (d.quantile !== undefined) {
      throw invalidValue(`${at}.quantile`, d.quantile, 'no quantile: it only applies to kind histogram_quantile');
    }
    let denominator: ServerMetricDefinition['denominator'];
    if (kind === 'counter_ratio') {
      if (typeof d.denominator !== 'object' || d.denominator === null || Array.isArray(d.denominator)) {
        throw invalidValue(`${at}.denominator`, d.denominator, 'a mapping { metric, labels? } naming the counter to divide by');
      }
      const den = d.denominator as Record<string, unknown>;
      for (const k of Object.keys(den)) {
        if (k !== 'metric' && k !== 'labels') throw invalidValue(`${at}.denominator.${k}`, den[k], 'no such key; allowed keys: metric, labels');
      }
      if (typeof den.metric !== 'string' || !METRIC_NAME.test(den.metric)) {
        throw invalidValue(`${at}.denominator.metric`, den.metric, 'a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
      }
      const denLabels = validateLabels(den.labels, `${at}.denominator.labels`, kind);
      denominator = denLabels === undefined ? { metric: den.metric } : { metric: den.metric, labels: denLabels };
    } else if (d.denominator !== undefined) {
      throw invalidValue(`${at}.denominator`, d.denominator, 'no denominator: it only applies to kind counter_ratio');
    }
    if (typeof d.unit !== 'string' || !(UNITS as readonly string[]).includes(d.unit)) throw invalidValue(`${at}.unit`, d.unit, `one of ${UNITS.join(', ')}`);
    const unit = d.unit as MetricUnit;
    if (!UNITS_BY_KIND[kind].includes(unit)) throw invalidValue(`${at}.unit`, unit, `for kind ${kind}: ${UNITS_BY_KIND[kind].join(', ')}`);
    if (typeof d.direction !== 'string' || !(DIRECTIONS as readonly string[]).includes(d.direction)) {
      throw invalidValue(`${at}.direction`, d.direction, `one of ${DIRECTIONS.join(', ')}`);
    }
    const out: ServerMetricDefinition = { name, kind, metric: d.metric, unit, direction: d.direction as MetricDirection };
    if (d.description !== undefined) out.description = d.description as string;
    if (labels !== undefined) out.labels = labels;
    if (kind === 'histogram_quantile') out.quantile = d.quantile as number;
    if (denominator !== undefined) out.denominator = denominator;
    return out;
  });
}

function validateLabels(labels: unknown, at: string, kind: ServerMetricKind): Record<string, string> | undefined {
  if (labels === undefined) return undefined;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw invalidValue(at, labels, 'a mapping of label name to value');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name)) throw invalidValue(`${at}.${name}`, name, 'a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)');
    // Selecting by `le` would pick single buckets out of a histogram and silently break its quantiles.
    if (name === 'le' && kind.startsWith('histogram')) throw invalidValue(`${at}.le`, value, 'no le matcher: buckets are combined by perf-gate');
    if (typeof value !== 'string') throw invalidValue(`${at}.${name}`, value, 'a string (quote numbers: "200")');
    out[name] = value;
  }
  return out;
}
