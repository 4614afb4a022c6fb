/**
 * `perf-gate init --probe URL`: server metrics and targets proposed from the metric families a running
 * service exposes, each with a comment saying why, for the team to keep, edit or delete. Pure: a parsed
 * exposition in, proposals out (the caller scrapes, starter-files.ts renders).
 *
 * - A histogram of the service's own becomes its mean (`histogram_mean`) and its p95 (`histogram_quantile`):
 *   the mean moves with every request, the p95 with the slow ones. Durations (`*_seconds`) are shown in ms.
 *   When the histogram is split by a label (a pipeline `step`, an `endpoint`), the label's values are listed
 *   in the comment so one can be picked; the proposal sums all series.
 * - Two counters of one prefix where one counts a whole (`*_requests_total`, `*_searches_total`, ...) become
 *   the ratio part / whole (`counter_ratio`): an early-exit or cache-hit share, an error share.
 * - Runtime families (process_*, python_*, nodejs_*, go_*, promhttp_*) are left out: they describe the
 *   interpreter, not the service's work. Gauges and summaries are left out: a gauge is an instant, not an
 *   amount of work per round, and a summary's quantiles cannot be combined across a round.
 */

import type { Exposition, MetricFamily } from '../metrics/exposition.js';
import type { ServerMetricDefinition } from '../metrics/server-metric-definition.js';

export interface ProposedMetric {
  definition: ServerMetricDefinition;
  /** One line on where it came from, written as a YAML comment above it. */
  comment: string;
  /** A target on it, written commented out when `suggestTarget` is false. */
  target: string;
  suggestTarget: boolean;
}

const RUNTIME_PREFIXES = ['process_', 'python_', 'nodejs_', 'go_', 'promhttp_', 'jvm_', 'dotnet_'];
/** Counters whose name says they count every unit of work: the denominator of a share. */
const WHOLE = /_(requests|searches|queries|calls|operations|jobs|messages|events|lookups)(_total)?$/;
/** Proposals beyond this many would drown the config; the rest are left to the team. */
const MAX_PROPOSALS = 12;

function isRuntime(name: string): boolean {
  return RUNTIME_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** A perf-gate metric name from a Prometheus family name: `rag_pipeline_duration_seconds` → `rag_pipeline_duration`. */
function shortName(family: string): string {
  return family
    .replace(/_(seconds|milliseconds|bytes)$/, '')
    .replace(/_total$/, '')
    .replace(/[^A-Za-z0-9_]/g, '_');
}

/** Label names (other than `le`) whose values differ across a family's series, with those values. */
function splitLabels(family: MetricFamily): Map<string, string[]> {
  const values = new Map<string, Set<string>>();
  for (const sample of family.samples) {
    for (const [name, value] of Object.entries(sample.labels)) {
      if (name === 'le' || name === 'quantile') continue;
      const set = values.get(name) ?? new Set<string>();
      set.add(value);
      values.set(name, set);
    }
  }
  const out = new Map<string, string[]>();
  for (const [name, set] of values) if (set.size > 1) out.set(name, [...set].sort().slice(0, 8));
  return out;
}

function splitNote(family: MetricFamily): string {
  const split = splitLabels(family);
  if (split.size === 0) return '';
  const parts = [...split].map(([name, values]) => `${name}: ${values.join(', ')}`);
  return `; split by ${parts.join('; ')} (add labels: { name: value } to pick one)`;
}

function histogramProposals(family: MetricFamily): ProposedMetric[] {
  const seconds = family.name.endsWith('_seconds');
  const unit = seconds ? 'ms' : 'count';
  const base = shortName(family.name);
  const note = splitNote(family);
  return [
    {
      definition: {
        name: `${base}_mean`,
        kind: 'histogram_mean',
        metric: family.name,
        unit,
        direction: 'lower-is-better',
      },
      comment: `mean of the histogram ${family.name}${note}`,
      target: `${base}_mean worsens <= 10%`,
      suggestTarget: true,
    },
    {
      definition: {
        name: `${base}_p95`,
        kind: 'histogram_quantile',
        quantile: 0.95,
        metric: family.name,
        unit,
        direction: 'lower-is-better',
      },
      comment: `95th percentile of ${family.name}, interpolated within its buckets (no finer than they are)`,
      target: `${base}_p95 worsens <= 10%`,
      suggestTarget: false,
    },
  ];
}

/** The counter's name as a config names it: with `_total` (both exposition formats find it so). */
function counterName(family: MetricFamily): string {
  return family.name.endsWith('_total') ? family.name : `${family.name}_total`;
}

function prefixOf(name: string): string {
  return name.split('_')[0] ?? name;
}

function ratioProposals(counters: readonly MetricFamily[]): ProposedMetric[] {
  const out: ProposedMetric[] = [];
  const wholes = counters.filter((c) => WHOLE.test(counterName(c)));
  for (const whole of wholes) {
    const wholeName = counterName(whole);
    for (const part of counters) {
      const partName = counterName(part);
      if (part === whole || WHOLE.test(partName) || prefixOf(partName) !== prefixOf(wholeName)) continue;
      const errors = /error|fail/.test(partName);
      const name = `${shortName(partName)}_rate`;
      out.push({
        definition: {
          name,
          kind: 'counter_ratio',
          metric: partName,
          denominator: { metric: wholeName },
          unit: 'ratio',
          direction: errors ? 'lower-is-better' : 'higher-is-better',
        },
        comment: `${partName} per ${wholeName}: check that the first counts a subset of the second`,
        target: errors ? `${name} <= 1%` : `${name} worsens <= 10%`,
        suggestTarget: false,
      });
    }
  }
  return out;
}

export function proposeMetrics(exposition: Exposition): ProposedMetric[] {
  const own = [...exposition.families.values()].filter((f) => !isRuntime(f.name));
  const histograms = own.filter((f) => f.type === 'histogram' && f.samples.some((s) => s.name.endsWith('_bucket')));
  const counters = own.filter((f) => f.type === 'counter');
  const proposals = [...histograms.flatMap(histogramProposals), ...ratioProposals(counters)];
  // Names must be unique in a config: a later duplicate (two families with one short name) is dropped.
  const seen = new Set<string>();
  return proposals
    .filter((p) => {
      if (seen.has(p.definition.name)) return false;
      seen.add(p.definition.name);
      return true;
    })
    .slice(0, MAX_PROPOSALS);
}
